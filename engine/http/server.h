// The HTTP server: the API (README "HTTP API and dashboard") and the
// dashboard, answered from the engine's own store handle on a pool of worker
// threads while ingest writes on another.
//
// Every request is matched against the route table (routes.h), checked for
// its token and role, and answered by its handler; the access log gets the
// route pattern — never the path, which may hold a client ref.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/api.h"
#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::http {

struct ServerOptions {
  // host:port; port 0 picks a free one (see ApiServer::url()).
  std::string address = "127.0.0.1:8080";
  std::string tokens_file;
  std::string audit_file;
  uint32_t k = 10;
  // Analysts: counts rounded to multiples of this (0: exact); reports only
  // over whole calendar months.
  uint32_t round = 0;
  bool analyst_calendar_periods = false;
  // Worker threads; each serves one connection at a time (keep-alive).
  int threads = 64;
  // Longest request line + headers + body, and socket read/write timeout.
  size_t max_request_bytes = 16 * 1024;
  int timeout_seconds = 10;
};

// One line per request for the access log.
using AccessLog = std::function<void(const std::string& line)>;

class ApiServer {
 public:
  // Binds and starts serving on background threads. `chains` are copied.
  static Result<std::unique_ptr<ApiServer>> start(const store::Store& store,
                                                  std::vector<model::ChainModel> chains,
                                                  HostProbe host, const ServerOptions& options,
                                                  AccessLog access_log);
  // Stops accepting, finishes requests in flight, joins the threads.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // "http://HOST:PORT".
  const std::string& url() const;

  struct State;

 private:
  explicit ApiServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ketenflow::http
