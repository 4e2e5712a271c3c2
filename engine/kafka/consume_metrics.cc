// The Kafka source's probe in the Prometheus text format (event_source.h).
#include <fmt/format.h>

#include "kafka/event_source.h"
#include "kpi/histogram.h"

namespace ketenflow::kafka {

std::string consume_metrics(const ConsumeProbe& probe, const std::string& topic) {
  std::lock_guard lock(probe.mu);
  std::string out =
      "# HELP ketenflow_consumed_records_total Kafka records applied since start.\n"
      "# TYPE ketenflow_consumed_records_total counter\n";
  out += fmt::format("ketenflow_consumed_records_total {}\n", probe.records);
  out +=
      "# HELP ketenflow_batches_total Atomic store batches applied since start.\n"
      "# TYPE ketenflow_batches_total counter\n";
  out += fmt::format("ketenflow_batches_total {}\n", probe.batches);
  out +=
      "# HELP ketenflow_events_total Consumed events by outcome since start.\n"
      "# TYPE ketenflow_events_total counter\n";
  out += fmt::format("ketenflow_events_total{{outcome=\"accepted\"}} {}\n", probe.counts.accepted);
  out +=
      fmt::format("ketenflow_events_total{{outcome=\"duplicate\"}} {}\n", probe.counts.duplicates);
  out += fmt::format("ketenflow_events_total{{outcome=\"rejected\"}} {}\n", probe.counts.rejected);
  out +=
      "# HELP ketenflow_rejected_total Rejected records by reason since start.\n"
      "# TYPE ketenflow_rejected_total counter\n";
  for (const auto& [code, n] : probe.counts.rejected_by_code) {
    out += fmt::format("ketenflow_rejected_total{{reason=\"{}\"}} {}\n", code, n);
  }
  out +=
      "# HELP ketenflow_consumer_lag Records on the broker not yet applied, per partition.\n"
      "# TYPE ketenflow_consumer_lag gauge\n";
  for (const auto& [partition, lag] : probe.lag) {
    out += fmt::format("ketenflow_consumer_lag{{topic=\"{}\",partition=\"{}\"}} {}\n", topic,
                       partition, lag);
  }
  out +=
      "# HELP ketenflow_stored_latency_seconds Produce to stored (KPI visible), p50 and p99.\n"
      "# TYPE ketenflow_stored_latency_seconds gauge\n";
  if (!probe.latency_ms.empty()) {
    for (double q : {0.5, 0.99}) {
      out += fmt::format("ketenflow_stored_latency_seconds{{quantile=\"{}\"}} {}\n", q,
                         kpi::quantile_ms(probe.latency_ms, q) / 1000.0);
    }
  }
  return out;
}

}  // namespace ketenflow::kafka
