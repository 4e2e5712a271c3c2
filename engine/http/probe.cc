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

void ServerProbe::stopped(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++stopped_[reason];
}

void ServerProbe::closed(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++closed_[reason];
}

void ServerProbe::set_open_connections(int64_t n) {
  std::lock_guard lock(mu_);
  open_ = n;
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
  out +=
      "# HELP ketenflow_http_requests_stopped_total Requests answered 503 or dropped before "
      "their work was done, by reason.\n"
      "# TYPE ketenflow_http_requests_stopped_total counter\n";
  for (const char* reason : {"over_budget", "client_gone", "busy"}) {
    auto it = stopped_.find(reason);
    out += fmt::format("ketenflow_http_requests_stopped_total{{reason=\"{}\"}} {}\n", reason,
                       it == stopped_.end() ? 0 : it->second);
  }
  out +=
      "# HELP ketenflow_http_connections_closed_total Connections the server closed for its "
      "limits, by reason.\n"
      "# TYPE ketenflow_http_connections_closed_total counter\n";
  for (const char* reason :
       {"head_timeout", "per_client_limit", "connection_limit", "idle_evicted"}) {
    auto it = closed_.find(reason);
    out += fmt::format("ketenflow_http_connections_closed_total{{reason=\"{}\"}} {}\n", reason,
                       it == closed_.end() ? 0 : it->second);
  }
  out += fmt::format(
      "# HELP ketenflow_http_connections_open Open HTTP connections.\n"
      "# TYPE ketenflow_http_connections_open gauge\n"
      "ketenflow_http_connections_open {}\n",
      open_);
  return out;
}

}  // namespace ketenflow::http
