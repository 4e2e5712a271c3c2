#include "kpi/stats.h"

#include <algorithm>
#include <cmath>

#include "kpi/histogram.h"

namespace ketenflow::kpi {
namespace {

double seconds(double ms) { return std::round(ms) / 1000.0; }

}  // namespace

v1::DurationStats duration_stats(const store::Aggregate& aggregate) {
  v1::DurationStats stats;
  if (aggregate.count <= 0) return stats;
  stats.set_count(static_cast<uint32_t>(aggregate.count));
  const double mean_ms =
      static_cast<double>(aggregate.sum_ms) / static_cast<double>(aggregate.count);
  stats.set_mean_seconds(mean_ms / 1000.0);
  if (aggregate.count == 1) {
    // One value: every statistic is that value, exactly.
    const double exact = static_cast<double>(aggregate.sum_ms) / 1000.0;
    stats.set_min_seconds(exact);
    stats.set_max_seconds(exact);
    stats.set_p50_seconds(exact);
    stats.set_p80_seconds(exact);
    stats.set_p90_seconds(exact);
    stats.set_p95_seconds(exact);
    return stats;
  }
  const Buckets& buckets = aggregate.buckets;
  stats.set_min_seconds(seconds(std::min(quantile_ms(buckets, 0.0), mean_ms)));
  stats.set_max_seconds(seconds(std::max(quantile_ms(buckets, 1.0), mean_ms)));
  stats.set_p50_seconds(seconds(quantile_ms(buckets, 0.50)));
  stats.set_p80_seconds(seconds(quantile_ms(buckets, 0.80)));
  stats.set_p90_seconds(seconds(quantile_ms(buckets, 0.90)));
  stats.set_p95_seconds(seconds(quantile_ms(buckets, 0.95)));
  return stats;
}

}  // namespace ketenflow::kpi
