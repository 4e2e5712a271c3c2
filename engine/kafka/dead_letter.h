// The dead-letter sink: produces the rejects queued in the store's `outbox`
// family to the dead-letter topic, and deletes each one once the broker has
// acknowledged it.
//
// Rejects enter the outbox in the same WriteBatch as the batch that rejected
// them, so none is lost when the process dies between the write and the
// produce: the next start produces what is left (possibly again — consumers of
// the dead-letter topic see at-least-once delivery, keyed by reject sequence).
// Messages carry the original bytes and the headers `reason`, `source-topic`,
// `source-partition`, `source-offset`. Used by the serve thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "kafka/conf.h"
#include "kafka/log_events.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::kafka {

class DeadLetterSink {
 public:
  static Result<std::unique_ptr<DeadLetterSink>> open(store::Store& store,
                                                      const std::string& brokers,
                                                      const std::string& topic, Log log);
  ~DeadLetterSink();

  // Produces every queued reject that is not in flight yet.
  Status produce_queued();
  // Serves delivery reports; deletes acknowledged rejects from the outbox;
  // produces failed ones again a second later.
  Status poll(int timeout_ms);
  // Waits up to `timeout_ms` for everything in flight.
  Status drain(int timeout_ms);
  size_t in_flight() const { return in_flight_.size(); }
  uint64_t delivered() const { return delivered_; }

 private:
  class Reports;
  DeadLetterSink() = default;

  store::Store* store_ = nullptr;
  std::string topic_;
  std::unique_ptr<Reports> reports_;
  std::unique_ptr<LogEvents> events_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::set<uint64_t> in_flight_;
  // Outbox entries below this sequence have been produced (or deleted); a
  // failed delivery sets it back to 0 so the next pass finds it again.
  uint64_t cursor_ = 0;
  // After a failed delivery, when to produce the queue again.
  std::optional<std::chrono::steady_clock::time_point> retry_at_;
  uint64_t delivered_ = 0;
};

}  // namespace ketenflow::kafka
