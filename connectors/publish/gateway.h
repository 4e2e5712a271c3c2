// The Kafka side of the HTTP gateway (issue 14): POST /v1/events hands each
// request's decoded events here (http/gateway.h). Per event, in order:
//   1. its partner must be the publisher token's (an empty partnerId becomes
//      it), else rejected partner_mismatch;
//   2. an "identifier" (raw identifier) becomes client_ref with the partner's
//      key (publish::pseudonymize, as `ketenflow publish --pseudonymize`);
//      without a key for the partner it is rejected no_key, together with a
//      clientRef it is malformed_field. The raw value is dropped here and
//      never logged, answered or produced;
//   3. prepared as `publish` prepares a record (publish::prepare_event: the
//      engine's validation, so a milestone the partner may not report is
//      partner_not_allowed; only read attributes; canonical bytes);
//   4. an event id already in this request is a duplicate (same bytes) or an
//      event_id_conflict; so is one accepted by this gateway recently (a
//      bounded LRU of `remember` ids). Across restarts and gateways the engine
//      dedupes by event id anyway;
//   5. produced with key = client_ref by one idempotent producer (acks=all,
//      kafka::producer_settings) shared by all requests.
// publish() returns once every produced event has its delivery report, or
// `timeout_ms` passed (then not_delivered).
//
// Threads: publish() from any number of threads; one background thread
// serves the producer's delivery reports.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/gateway.h"
#include "kafka/conf.h"
#include "model/chain.h"
#include "model/result.h"

namespace ketenflow::publish {

struct GatewayOptions {
  std::string brokers;
  std::string topic = "ketenflow.events";
  // Pseudonymisation keys by partner id (publish::read_key_file).
  std::map<std::string, std::string> keys;
  // A produced event not acknowledged within this is not_delivered.
  int timeout_ms = 30000;
  // Recently accepted event ids kept to answer `duplicate` (0: none).
  size_t remember = 100000;
  // Extra or overriding librdkafka settings.
  kafka::Settings settings;
};

class KafkaGateway final : public http::EventGateway {
 public:
  // Creates the producer and checks that the topic exists. `chains` are
  // copied.
  static Result<std::unique_ptr<KafkaGateway>> start(std::vector<model::ChainModel> chains,
                                                     const GatewayOptions& options);
  // Waits for outstanding delivery reports (at most the timeout), stops.
  ~KafkaGateway() override;
  KafkaGateway(const KafkaGateway&) = delete;
  KafkaGateway& operator=(const KafkaGateway&) = delete;

  std::vector<http::EventOutcome> publish(const std::string& partner,
                                          std::vector<http::DecodedEvent>& events,
                                          int64_t now_ms) override;

  struct State;

 private:
  explicit KafkaGateway(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ketenflow::publish
