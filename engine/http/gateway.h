// What POST /v1/events (handlers/events.cc) hands its decoded events to: the
// gateway that checks, pseudonymises and produces them (the Kafka one is
// connectors/publish/gateway.h; the HTTP library and librdkafka never meet).
//
// Threads: publish() is called from many server workers at once and blocks
// until every event it accepted is acknowledged by the cluster or has failed;
// the outcomes are in the order of the events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/event_request.h"

namespace ketenflow::http {

struct EventOutcome {
  enum class Status { kAccepted, kDuplicate, kRejected };
  Status status = Status::kRejected;
  // Rejected: a code of ingest::kRejectionCodes or of the gateway
  // (partner_mismatch, missing_identifier, no_key, not_delivered).
  std::string code;
  // Why, in words; never a raw identifier or a client ref in full.
  std::string message;
};

class EventGateway {
 public:
  virtual ~EventGateway() = default;
  // One outcome per element of `events`, sent for `partner` (the publisher
  // token's). `now_ms` is the moment of the request (occurred_in_future).
  virtual std::vector<EventOutcome> publish(const std::string& partner,
                                            std::vector<DecodedEvent>& events, int64_t now_ms) = 0;
};

}  // namespace ketenflow::http
