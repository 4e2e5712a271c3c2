// The HTTP server: the API (README "HTTP API and dashboard") and the
// dashboard, answered from the engine's own store handle while ingest writes
// on another thread.
//
// Connections are served asynchronously (Boost.Beast on one I/O thread), so
// an open connection costs a socket, not a thread: slow or idle clients
// cannot hold the workers. A request head must arrive whole within a
// deadline; connections per client address and in all are bounded. Each
// complete request is answered by a bounded pool of worker threads within a
// time budget, and its work stops when its client goes away.
//
// Every request is matched against the route table (routes.h), checked for
// its token and role, and answered by its handler; the access log gets the
// route pattern — never the path, which may hold a client ref. Optionally
// HTTPS (OpenSSL). Every route answers GET except POST /v1/events (the
// gateway, issue 14), whose body may be larger than the other requests'.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/api.h"
#include "http/oidc.h"
#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::http {

struct ServerOptions {
  // host:port; port 0 picks a free one (see ApiServer::url()).
  std::string address = "127.0.0.1:8080";
  std::string tokens_file;
  // Bearer JWTs from an OpenID Connect provider, beside the token file
  // (issuer empty: off).
  OidcOptions oidc;
  std::string audit_file;
  uint32_t k = 10;
  // Analysts: counts rounded to multiples of this (0: exact); reports only
  // over whole calendar months.
  uint32_t round = 0;
  bool analyst_calendar_periods = false;
  // Worker threads that run handlers (connections do not hold them).
  int threads = 16;
  // Requests waiting for a worker; past it a request gets 503.
  size_t max_queue = 1024;
  // Longest request line + headers + body (413 past it).
  size_t max_request_bytes = 16 * 1024;
  // The whole request head (and body) must arrive within this.
  int head_timeout_ms = 10'000;
  // A keep-alive connection waiting for its next request is closed after
  // this; also when the connection limit is reached and a new one comes.
  int idle_timeout_ms = 30'000;
  // Writing an answer.
  int timeout_seconds = 10;
  // Each request's budget: past it the answer is 503 (over_budget).
  int budget_ms = 10'000;
  // Open connections per client address (0: no limit) and in all.
  int max_per_client = 64;
  int max_connections = 4096;
  // PEM files; both given: HTTPS only.
  std::string tls_cert;
  std::string tls_key;
  // POST /v1/events (issue 14): where events go (null: the route answers
  // 404); the longest body (413 past it; other routes keep
  // max_request_bytes), the events one request may hold, and requests per
  // second per token (429 past it; 0: no limit) with bursts of
  // `gateway_burst`.
  http::EventGateway* gateway = nullptr;
  size_t gateway_max_bytes = kDefaultMaxEventBytes;
  size_t gateway_max_events = kDefaultMaxEvents;
  double gateway_rate = 20;
  double gateway_burst = 40;
  // `ketenflow gateway`: no store behind it, only POST /v1/events and the
  // probes (/healthz, /readyz, /metrics, /v1/openapi.json) are served.
  bool gateway_only = false;
};

// One line per request for the access log.
using AccessLog = std::function<void(const std::string& line)>;

class ApiServer {
 public:
  // Binds and starts serving on background threads. `chains` are copied. An
  // error when the address is in use (no port sharing) or TLS files are bad.
  static Result<std::unique_ptr<ApiServer>> start(const store::Store& store,
                                                  std::vector<model::ChainModel> chains,
                                                  HostProbe host, const ServerOptions& options,
                                                  AccessLog access_log);
  // Stops accepting, finishes requests in flight, joins the threads.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // "http://HOST:PORT" (or https).
  const std::string& url() const;

  struct State;

 private:
  explicit ApiServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ketenflow::http
