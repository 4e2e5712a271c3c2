#include "http/probe.h"

#include <fmt/format.h>

namespace ketenflow::http {

void ServerProbe::record(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Latency& l = latency_[route];
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++l.buckets[i];
  }
  ++l.count;
  l.sum += seconds;
}

std::string ServerProbe::render() const {
  std::lock_guard lock(mu_);
  std::string out =
      "# HELP ketenflow_http_requests_total HTTP requests by route and status.\n"
      "# TYPE ketenflow_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("ketenflow_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       key.first, key.second, n);
  }
  out +=
      "# HELP ketenflow_http_request_seconds Time to answer, by route.\n"
      "# TYPE ketenflow_http_request_seconds histogram\n";
  for (const auto& [route, l] : latency_) {
    for (size_t i = 0; i < kBounds.size(); ++i) {
      out += fmt::format("ketenflow_http_request_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route, kBounds[i], l.buckets[i]);
    }
    out += fmt::format("ketenflow_http_request_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       route, l.count);
    out += fmt::format("ketenflow_http_request_seconds_sum{{route=\"{}\"}} {}\n", route, l.sum);
    out += fmt::format("ketenflow_http_request_seconds_count{{route=\"{}\"}} {}\n", route, l.count);
  }
  return out;
}

}  // namespace ketenflow::http
