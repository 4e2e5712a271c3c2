#include "http/server.h"

#include <sys/stat.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <httplib.h>

#include "http/reply_cache.h"
#include "http/routes.h"

namespace ketenflow::http {
namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The token file, read again whenever it changes on disk (so `ketenflow
// tokens add|remove` take effect without a restart).
class TokenSet {
 public:
  explicit TokenSet(std::string path) : path_(std::move(path)) {}

  Status load() {
    std::lock_guard lock(mu_);
    return reload_locked();
  }

  std::optional<Caller> find(std::string_view token) {
    const std::string hash = hash_token(token);
    // The file's identity is read outside the lock: every request checks it,
    // only a change takes the lock to read the file again.
    const FileStamp now = stamp();
    std::lock_guard lock(mu_);
    // A token file broken mid-edit keeps the last good set.
    if (now != stamp_) (void)reload_locked();
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return std::nullopt;
    return it->second;
  }

 private:
  // Modification time and size; all zero when the file is missing.
  struct FileStamp {
    int64_t sec = 0;
    int64_t nsec = 0;
    int64_t size = 0;
    bool operator==(const FileStamp&) const = default;
  };

  FileStamp stamp() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return {};
    return {st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size};
  }

  Status reload_locked() {
    const FileStamp before = stamp();
    auto entries = read_tokens(path_);
    if (!entries) return Error{entries.error()};
    stamp_ = before;
    by_hash_.clear();
    for (auto& e : *entries) by_hash_[e.hash] = std::move(e.caller);
    return ok_status();
  }

  std::string path_;
  std::mutex mu_;
  std::unordered_map<std::string, Caller> by_hash_;
  FileStamp stamp_;
};

bool allowed(const Route& route, Role role) {
  if (route.roles.empty()) return true;
  for (Role r : route.roles) {
    if (r == role) return true;
  }
  return false;
}

}  // namespace

struct ApiServer::State {
  State(const store::Store& store, std::vector<model::ChainModel> chains, HostProbe host,
        const ServerOptions& options, AccessLog access_log, std::unique_ptr<AuditLog> audit)
      : store(store),
        chains(std::move(chains)),
        host(std::move(host)),
        options(options),
        access_log(std::move(access_log)),
        audit(std::move(audit)),
        tokens(options.tokens_file) {}

  const store::Store& store;
  std::vector<model::ChainModel> chains;
  HostProbe host;
  ServerOptions options;
  AccessLog access_log;
  std::unique_ptr<AuditLog> audit;
  ServerProbe probe;
  TokenSet tokens;
  ReplyCache cache;
  httplib::Server server;
  std::thread thread;
  std::string url;

  ApiReply answer(const httplib::Request& req, std::string& route_name, int64_t& stale_ms) {
    std::map<std::string, std::string> segments;
    const Route* route = match_route(req.path, segments);
    if (route == nullptr) {
      route_name = "unmatched";
      return error_reply(404, "not_found", "no such route");
    }
    route_name = route->pattern;
    ApiRequest request{route->pattern, std::move(segments), {}, {}, wall_ms()};
    if (route->needs_token) {
      const std::string header = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (!header.starts_with(kBearer)) {
        return error_reply(401, "unauthorized", "send Authorization: Bearer TOKEN");
      }
      auto caller = tokens.find(std::string_view(header).substr(kBearer.size()));
      if (!caller) return error_reply(401, "unauthorized", "unknown token");
      request.caller = std::move(*caller);
      if (!allowed(*route, request.caller.role)) {
        return error_reply(403, "forbidden",
                           std::string("role ") + std::string(role_name(request.caller.role)) +
                               " may not read " + route->pattern);
      }
    }
    for (const auto& [name, value] : req.params) {
      if (std::find(route->params.begin(), route->params.end(), name) == route->params.end()) {
        return bad_parameter(name, "unknown parameter for " + route->pattern);
      }
      request.query[name] = value;
    }
    const ApiContext context{store, chains,    *audit,        host,
                             probe, options.k, options.round, options.analyst_calendar_periods};
    if (!route->cached) return route->handler(context, request);
    // Same answer for the same route, parameters, disclosure and hour (the
    // measures' "today" moves with the clock).
    std::string key = req.path + "\n" +
                      (request.caller.role == Role::kAnalyst ? "analyst" : "full") + "\n" +
                      std::to_string(request.now_ms / 3'600'000);
    for (const auto& [name, value] : request.query) key += "\n" + name + "=" + value;
    if (req.get_header_value("Cache-Control") == "no-cache") {
      return route->handler(context, request);
    }
    auto cached = cache.get(key, store.db()->GetLatestSequenceNumber(), request.now_ms,
                            [&] { return route->handler(context, request); });
    stale_ms = cached.stale_ms;
    return std::move(cached.reply);
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    const auto started = Clock::now();
    std::string route_name;
    int64_t stale_ms = 0;
    ApiReply reply = answer(req, route_name, stale_ms);
    res.status = reply.status;
    if (stale_ms > 0) res.set_header("X-Ketenflow-Stale-Ms", std::to_string(stale_ms));
    if (reply.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::move(reply.body), reply.content_type);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    probe.record(route_name, reply.status, seconds);
    if (access_log) {
      access_log(req.method + " " + route_name + " " + std::to_string(reply.status) + " " +
                 std::to_string(static_cast<int>(seconds * 1e6) / 1000.0) + " ms");
    }
  }
};

Result<std::unique_ptr<ApiServer>> ApiServer::start(const store::Store& store,
                                                    std::vector<model::ChainModel> chains,
                                                    HostProbe host, const ServerOptions& options,
                                                    AccessLog access_log) {
  const auto colon = options.address.rfind(':');
  if (colon == std::string::npos) return Error{"--http: expected HOST:PORT"};
  const std::string host_name = options.address.substr(0, colon);
  int port = -1;
  try {
    port = std::stoi(options.address.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) return Error{"--http: bad port in " + options.address};

  auto audit = AuditLog::open(options.audit_file);
  if (!audit) return Error{audit.error()};
  auto state = std::make_unique<State>(store, std::move(chains), std::move(host), options,
                                       std::move(access_log), std::move(*audit));
  if (auto loaded = state->tokens.load(); !loaded) return Error{loaded.error()};

  httplib::Server& server = state->server;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.max_request_bytes);
  server.set_read_timeout(options.timeout_seconds, 0);
  server.set_write_timeout(options.timeout_seconds, 0);
  server.set_keep_alive_timeout(5);
  // cpp-httplib closes a connection after 5 requests by default; reconnecting
  // clients then queue on its small listen backlog (SYN retried after 1 s).
  server.set_keep_alive_max_count(10000);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
  // algorithm holds the body until the client's delayed ACK (~40 ms).
  server.set_tcp_nodelay(true);
  State* s = state.get();
  server.Get(".*",
             [s](const httplib::Request& req, httplib::Response& res) { s->handle(req, res); });
  const auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    ApiReply reply = error_reply(405, "method_not_allowed", "the API is read-only: use GET");
    res.status = reply.status;
    res.set_content(reply.body, reply.content_type);
  };
  server.Post(".*", not_allowed);
  server.Put(".*", not_allowed);
  server.Delete(".*", not_allowed);
  server.Patch(".*", not_allowed);

  const int bound = port == 0 ? server.bind_to_any_port(host_name)
                              : (server.bind_to_port(host_name, port) ? port : -1);
  if (bound < 0) return Error{"--http: cannot listen on " + options.address};
  state->url = "http://" + host_name + ":" + std::to_string(bound);
  state->thread = std::thread([s] { s->server.listen_after_bind(); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(state)));
}

ApiServer::ApiServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

ApiServer::~ApiServer() {
  state_->server.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

const std::string& ApiServer::url() const { return state_->url; }

}  // namespace ketenflow::http
