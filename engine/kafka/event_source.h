// The Kafka source: consumes ClientEvents from a topic as a member of a
// consumer group and applies them through the ingest pipeline, effectively
// once (DESIGN §3.2, §7).
//
// Each poll batch is one Pipeline::apply — one RocksDB WriteBatch holding the
// events, paths, KPI deltas, rejects (and their outbox entries) and the next
// offset of every partition in the batch. On assignment the consumer starts
// each partition at the offset stored in RocksDB (never at the one Kafka
// passes in); on revocation it applies what it holds first. Offsets are also
// committed to Kafka, asynchronously, for lag tooling only. A crash at any
// moment followed by a restart gives the state of an uninterrupted run.
//
// Transient errors (broker down, leader moves) are logged and retried by
// librdkafka; only a store failure or a fatal client error ends consume().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "ingest/pipeline.h"
#include "kafka/dead_letter.h"
#include "kafka/log_events.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::kafka {

struct ConsumeOptions {
  std::string brokers;
  std::string topic;
  std::string group;
  // Static group membership: a restarted instance gets its partitions back at
  // once instead of after the session timeout of its previous incarnation.
  std::string instance_id;
  size_t batch_records = 5000;
  int batch_ms = 200;
  int session_timeout_ms = 10000;
};

// What consume() reports as it goes. consume() writes it from its own
// thread, under `mu`; other threads (the HTTP server's /metrics and /readyz)
// read it under `mu`.
struct ConsumeProbe {
  mutable std::mutex mu;
  uint64_t batches = 0;
  uint64_t records = 0;
  ingest::BatchCounts counts;
  // Produce time (message timestamp) to stored, in ms, as a log-bucketed
  // histogram (kpi/histogram.h): end-to-end latency to "KPI visible".
  std::map<int32_t, int64_t> latency_ms;
  // Its exact sum, ms, and count (the histogram's _sum and _count).
  int64_t latency_sum_ms = 0;
  uint64_t latency_count = 0;
  // Assigned partitions and their lag after the last batch: high watermark
  // minus the next offset to apply (from the consumer's cached watermarks).
  std::map<int32_t, int64_t> lag;
  bool assigned = false;
};

// The probe in the Prometheus text format: records, batches, events by
// outcome, rejects by reason, lag per partition, produce-to-stored latency.
std::string consume_metrics(const ConsumeProbe& probe, const std::string& topic);

// Consumes until `stop` is set (then finishes the batch, flushes the
// dead-letter sink and leaves the group) or a fatal error.
Status consume(store::Store& store, ingest::Pipeline& pipeline, DeadLetterSink& dead_letter,
               const ConsumeOptions& options, const std::atomic<bool>& stop, ConsumeProbe& probe,
               const Log& log);

// Meta key of a partition's position: "source/kafka:TOPIC/PARTITION".
std::string position_key(const std::string& topic, int32_t partition);

}  // namespace ketenflow::kafka
