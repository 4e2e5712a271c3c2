// The HTTP server's probe: requests by route and status, a latency histogram
// per route, requests stopped before their answer (budget spent, client
// gone, workers busy), connections closed by the server's limits and the
// connections open, rendered in the Prometheus text format. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace ketenflow::http {

class ServerProbe {
 public:
  // Latency histogram bucket bounds, seconds.
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void record(const std::string& route, int status, double seconds);
  // reason: over_budget, client_gone, busy.
  void stopped(const std::string& reason);
  // reason: head_timeout, per_client_limit, connection_limit, idle_evicted.
  void closed(const std::string& reason);
  void set_open_connections(int64_t n);
  // ketenflow_http_requests_total, ketenflow_http_request_seconds,
  // ketenflow_http_requests_stopped_total, ketenflow_http_connections_closed_total
  // and ketenflow_http_connections_open.
  std::string render() const;

 private:
  struct Latency {
    std::array<uint64_t, kBounds.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Latency> latency_;
  std::map<std::string, uint64_t> stopped_;
  std::map<std::string, uint64_t> closed_;
  int64_t open_ = 0;
};

}  // namespace ketenflow::http
