#include "http/probe.h"

#include "model/prometheus_text.h"

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
  model::PrometheusText out;
  out.family("ketenflow_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& [key, n] : requests_) {
    const std::string status = std::to_string(key.second);
    out.sample("ketenflow_http_requests_total", {{"route", key.first}, {"status", status}}, n);
  }
  out.family("ketenflow_http_request_seconds", "histogram", "Time to answer, by route.");
  for (const auto& [route, l] : latency_) {
    out.histogram("ketenflow_http_request_seconds", {{"route", route}}, kBounds, l.buckets, l.sum,
                  l.count);
  }
  out.family("ketenflow_http_requests_stopped_total", "counter",
             "Requests answered 503 or dropped before their work was done, by reason.");
  for (const char* reason : {"over_budget", "client_gone", "busy"}) {
    auto it = stopped_.find(reason);
    out.sample("ketenflow_http_requests_stopped_total", {{"reason", reason}},
               it == stopped_.end() ? uint64_t{0} : it->second);
  }
  out.family("ketenflow_http_connections_closed_total", "counter",
             "Connections the server closed for its limits, by reason.");
  for (const char* reason :
       {"head_timeout", "per_client_limit", "connection_limit", "idle_evicted"}) {
    auto it = closed_.find(reason);
    out.sample("ketenflow_http_connections_closed_total", {{"reason", reason}},
               it == closed_.end() ? uint64_t{0} : it->second);
  }
  out.family("ketenflow_http_connections_open", "gauge", "Open HTTP connections.");
  out.sample("ketenflow_http_connections_open", {}, static_cast<int64_t>(open_));
  return out.take();
}

}  // namespace ketenflow::http
