#include "model/prometheus_text.h"

#include <cmath>

#include <fmt/format.h>

namespace ketenflow::model {
namespace {

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

// Backslash and line feed escaped, and the double quote too in a label value
// (HELP text may hold it as it is).
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help, /*quote=*/false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::begin_sample(std::string_view name, MetricLabels labels,
                                  std::string_view extra_name, std::string_view extra_value) {
  out_ += name;
  if (labels.size() > 0 || !extra_name.empty()) {
    out_ += '{';
    bool first = true;
    const auto label = [&](std::string_view key, std::string_view value) {
      if (!first) out_ += ',';
      first = false;
      out_ += key;
      out_ += "=\"";
      append_escaped(out_, value, /*quote=*/true);
      out_ += '"';
    };
    for (const auto& [key, value] : labels) label(key, value);
    if (!extra_name.empty()) label(extra_name, extra_value);
    out_ += '}';
  }
  out_ += ' ';
}

void PrometheusText::sample(std::string_view name, MetricLabels labels, double value) {
  begin_sample(name, labels);
  out_ += format_value(value);
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, MetricLabels labels, uint64_t value) {
  begin_sample(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, MetricLabels labels, int64_t value) {
  begin_sample(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusText::histogram(std::string_view name, MetricLabels labels,
                               std::span<const double> bounds, std::span<const uint64_t> cumulative,
                               double sum, uint64_t count) {
  const std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i < bounds.size() && i < cumulative.size(); ++i) {
    begin_sample(bucket, labels, "le", format_value(bounds[i]));
    out_ += std::to_string(cumulative[i]);
    out_ += '\n';
  }
  begin_sample(bucket, labels, "le", "+Inf");
  out_ += std::to_string(count);
  out_ += '\n';
  sample(std::string(name) + "_sum", labels, sum);
  sample(std::string(name) + "_count", labels, count);
}

}  // namespace ketenflow::model
