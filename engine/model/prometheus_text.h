// Prometheus text exposition format 0.0.4: the one writer of every /metrics
// body. A family is opened with its HELP and TYPE, then takes samples; label
// values and HELP text are escaped here (backslash, double quote, line feed),
// so a chain, stage or partner id of any bytes cannot break the format.
// Plain data, one thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ketenflow::model {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class PrometheusText {
 public:
  // "counter", "gauge" or "histogram". Samples of this family follow.
  void family(std::string_view name, std::string_view type, std::string_view help);

  // One sample of the last family (name: the family's, or for a histogram
  // with its _bucket / _sum / _count suffix).
  void sample(std::string_view name, MetricLabels labels, double value);
  void sample(std::string_view name, MetricLabels labels, uint64_t value);
  void sample(std::string_view name, MetricLabels labels, int64_t value);

  // A histogram's samples from cumulative counts: `cumulative[i]` values were
  // <= bounds[i]; `count` is the +Inf bucket. `labels` are repeated on each.
  void histogram(std::string_view name, MetricLabels labels, std::span<const double> bounds,
                 std::span<const uint64_t> cumulative, double sum, uint64_t count);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void begin_sample(std::string_view name, MetricLabels labels, std::string_view extra_name = {},
                    std::string_view extra_value = {});
  std::string out_;
};

}  // namespace ketenflow::model
