// The Kafka source's probe in the Prometheus text format (event_source.h).
#include <array>

#include "ingest/validate.h"
#include "kafka/event_source.h"
#include "kpi/histogram.h"
#include "model/prometheus_text.h"

namespace ketenflow::kafka {
namespace {

// Produce-to-stored latency bucket bounds, seconds.
constexpr std::array<double, 14> kLatencyBounds = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                                   1.0,   2.5,  5.0,   10.0, 30.0, 60.0, 300.0};

}  // namespace

std::string consume_metrics(const ConsumeProbe& probe, const std::string& topic) {
  std::lock_guard lock(probe.mu);
  model::PrometheusText out;
  out.family("ketenflow_consumed_records_total", "counter", "Kafka records applied since start.");
  out.sample("ketenflow_consumed_records_total", {}, probe.records);
  out.family("ketenflow_batches_total", "counter", "Atomic store batches applied since start.");
  out.sample("ketenflow_batches_total", {}, probe.batches);
  out.family("ketenflow_events_total", "counter", "Consumed events by outcome since start.");
  out.sample("ketenflow_events_total", {{"outcome", "accepted"}}, probe.counts.accepted);
  out.sample("ketenflow_events_total", {{"outcome", "duplicate"}}, probe.counts.duplicates);
  out.sample("ketenflow_events_total", {{"outcome", "rejected"}}, probe.counts.rejected);
  out.family("ketenflow_rejected_total", "counter", "Rejected records by reason since start.");
  // Every reason from the start (0 until it happens), and any other one seen.
  std::map<std::string, uint64_t> rejected;
  for (std::string_view code : ingest::kRejectionCodes) rejected[std::string(code)] = 0;
  for (const auto& [code, n] : probe.counts.rejected_by_code) rejected[code] = n;
  for (const auto& [code, n] : rejected)
    out.sample("ketenflow_rejected_total", {{"reason", code}}, n);
  out.family("ketenflow_consumer_lag", "gauge",
             "Records on the broker not yet applied, per assigned partition.");
  for (const auto& [partition, lag] : probe.lag) {
    const std::string p = std::to_string(partition);
    out.sample("ketenflow_consumer_lag", {{"topic", topic}, {"partition", p}}, lag);
  }
  out.family("ketenflow_consumer_partitions_assigned", "gauge",
             "Partitions of the topic this instance consumes.");
  out.sample("ketenflow_consumer_partitions_assigned", {{"topic", topic}},
             static_cast<uint64_t>(probe.lag.size()));
  // Cumulative counts per bound from the log-bucketed histogram: a value
  // counts under a bound when its bucket's value (within 1 %) is at most it.
  std::array<uint64_t, kLatencyBounds.size()> cumulative{};
  for (const auto& [bucket, n] : probe.latency_ms) {
    const double seconds = kpi::bucket_value(bucket) / 1000.0;
    for (size_t i = 0; i < kLatencyBounds.size(); ++i) {
      if (seconds <= kLatencyBounds[i]) cumulative[i] += static_cast<uint64_t>(n);
    }
  }
  out.family("ketenflow_stored_latency_seconds", "histogram",
             "Produce (message timestamp) to stored and KPI visible.");
  out.histogram("ketenflow_stored_latency_seconds", {}, kLatencyBounds, cumulative,
                static_cast<double>(probe.latency_sum_ms) / 1000.0, probe.latency_count);
  return out.take();
}

}  // namespace ketenflow::kafka
