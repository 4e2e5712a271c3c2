#include "http/server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/reply_cache.h"
#include "http/routes.h"
#include "http/target.h"

namespace ketenflow::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

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

  std::optional<TokenEntry> find(std::string_view token) {
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
    for (auto& e : *entries) by_hash_[e.hash] = std::move(e);
    return ok_status();
  }

  std::string path_;
  std::mutex mu_;
  std::unordered_map<std::string, TokenEntry> by_hash_;
  FileStamp stamp_;
};

// A fixed pool of threads running handlers off a bounded queue.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queue) : max_queue_(max_queue) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() { stop(); }

  // False when the queue is full (the caller answers 503).
  bool submit(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || queue_.size() >= max_queue_) return false;
      queue_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
  }

  // Lets running jobs finish, drops the queued ones, joins.
  void stop() {
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      dropped.swap(queue_);
    }
    ready_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  size_t max_queue_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// True once the peer has closed or reset the connection (also with unread
// bytes pending): what a worker polls to stop work nobody waits for.
bool peer_gone(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) < 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

// What a handler needs of an HTTP request, away from the library's types.
struct Incoming {
  std::string path;
  QueryParams params;
  std::string authorization;
  bool no_cache = false;
  bool post = false;
  std::string content_type;
  std::string body;
};

constexpr std::string_view kEventsRoute = "/v1/events";

// Routes of `ketenflow gateway` (ServerOptions::gateway_only).
bool gateway_route(std::string_view pattern) {
  return pattern == kEventsRoute || pattern == "/healthz" || pattern == "/readyz" ||
         pattern == "/metrics" || pattern == "/v1/openapi.json";
}

// Null when the target is malformed.
std::optional<Incoming> parse_incoming(Request& req) {
  Incoming in;
  in.post = req.method() == bhttp::verb::post;
  if (auto it = req.find(bhttp::field::content_type); it != req.end()) {
    in.content_type = std::string(it->value().data(), it->value().size());
  }
  in.body = std::move(req.body());
  auto target = parse_target(std::string_view(req.target().data(), req.target().size()));
  if (!target) return std::nullopt;
  in.path = std::move(target->path);
  in.params = std::move(target->params);
  if (auto it = req.find(bhttp::field::authorization); it != req.end()) {
    in.authorization = std::string(it->value().data(), it->value().size());
  }
  if (auto it = req.find(bhttp::field::cache_control); it != req.end()) {
    in.no_cache = it->value() == "no-cache";
  }
  return in;
}

// An open connection, as the server's limits see it. Lives on the I/O thread.
struct Connection {
  virtual ~Connection() = default;
  virtual bool idle() const = 0;
  virtual void close() = 0;
};

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
        tokens(options.tokens_file),
        oidc(options.oidc.enabled() ? std::make_unique<OidcVerifier>(options.oidc) : nullptr),
        rate_limiter(options.gateway_rate, options.gateway_burst),
        workers(options.threads, options.max_queue) {}

  const store::Store& store;
  std::vector<model::ChainModel> chains;
  HostProbe host;
  ServerOptions options;
  AccessLog access_log;
  std::unique_ptr<AuditLog> audit;
  ServerProbe probe;
  TokenSet tokens;
  std::unique_ptr<OidcVerifier> oidc;
  ReplyCache cache;
  RateLimiter rate_limiter;
  WorkerPool workers;
  std::string url;
  std::optional<ssl::context> tls;
  // I/O-thread state: open connections (oldest first) and per address.
  std::list<Connection*> open;
  std::unordered_map<std::string, int> per_client;
  // Declared last: destroyed first, with the connections it still holds,
  // while everything above is alive.
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  net::steady_timer accept_retry{io};
  std::thread io_thread;

  ApiReply answer(Incoming& req, const query::Budget& budget, std::string& route_name,
                  int64_t& stale_ms) {
    std::map<std::string, std::string> segments;
    const Route* route = match_route(req.path, segments);
    if (route == nullptr) {
      route_name = "unmatched";
      return error_reply(404, "not_found", "no such route");
    }
    if (options.gateway_only && !gateway_route(route->pattern)) {
      route_name = "unmatched";
      return error_reply(404, "not_found", "this is a gateway: it answers POST /v1/events only");
    }
    route_name = route->pattern;
    if (route->post != req.post) {
      return error_reply(405, "method_not_allowed",
                         route->post ? "send events with POST" : "the API is read-only: use GET");
    }
    ApiRequest request{route->pattern, std::move(segments), {}, {}, wall_ms(), {}, {}};
    if (route->post) {
      request.body = std::move(req.body);
      request.content_type = req.content_type;
    }
    if (route->needs_token) {
      constexpr std::string_view kBearer = "Bearer ";
      if (!req.authorization.starts_with(kBearer)) {
        return error_reply(401, "unauthorized", "send Authorization: Bearer TOKEN");
      }
      const std::string_view presented = std::string_view(req.authorization).substr(kBearer.size());
      // Token file first (service accounts), then the provider's JWTs.
      if (auto entry = tokens.find(presented)) {
        if (entry->expires_ms != 0 && entry->expires_ms <= request.now_ms) {
          return error_reply(401, "unauthorized", "the token has expired");
        }
        request.caller = std::move(entry->caller);
      } else if (oidc && std::count(presented.begin(), presented.end(), '.') == 2) {
        auto caller = oidc->authenticate(presented, request.now_ms);
        if (!caller) return error_reply(401, "unauthorized", caller.error());
        request.caller = std::move(*caller);
      } else {
        return error_reply(401, "unauthorized", "unknown token");
      }
      if (!allowed(*route, request.caller.role)) {
        ApiReply refused =
            error_reply(403, "forbidden",
                        std::string("role ") + std::string(role_name(request.caller.role)) +
                            " may not read " + route->pattern);
        if (route->audited) {
          // A refused client-level read is audited like any other.
          AuditEntry audit_entry{request.now_ms, &request.caller, route->pattern, {}, {}, 403};
          if (auto id = request.path.find("id"); id != request.path.end()) {
            audit_entry.chain = id->second;
          }
          if (auto ref = request.path.find("ref"); ref != request.path.end()) {
            audit_entry.clients.push_back(ref->second);
          }
          if (auto written = audit->write(audit_entry); !written) {
            return error_reply(500, "internal", written.error());
          }
        }
        return refused;
      }
    }
    for (const auto& [name, value] : req.params) {
      if (std::find(route->params.begin(), route->params.end(), name) == route->params.end()) {
        return bad_parameter(name, "unknown parameter for " + route->pattern);
      }
      request.query[name] = value;
    }
    // Waited past its budget for a worker: not started at all. Probes and
    // the dashboard's files always answer.
    if (auto spent = route->needs_token ? budget.spent() : std::nullopt) {
      const bool gone = spent->why == query::Budget::Why::kCallerGone;
      return error_reply(503, gone ? "client_gone" : "over_budget", spent->message);
    }
    const ApiContext context{store,
                             chains,
                             *audit,
                             host,
                             probe,
                             options.k,
                             &budget,
                             options.round,
                             options.analyst_calendar_periods,
                             oidc.get(),
                             options.gateway,
                             &rate_limiter,
                             options.gateway_max_events};
    if (!route->cached) return route->handler(context, request);
    // Same answer for the same route, parameters, disclosure and hour (the
    // measures' "today" moves with the clock).
    std::string key = req.path + "\n" +
                      (request.caller.role == Role::kAnalyst ? "analyst" : "full") + "\n" +
                      std::to_string(request.now_ms / 3'600'000);
    for (const auto& [name, value] : request.query) key += "\n" + name + "=" + value;
    if (req.no_cache) return route->handler(context, request);
    auto cached = cache.get(key, store.db()->GetLatestSequenceNumber(), request.now_ms,
                            [&] { return route->handler(context, request); });
    stale_ms = cached.stale_ms;
    return std::move(cached.reply);
  }

  // Runs on a worker: the answer as an HTTP response.
  Response handle(Request& req, const query::Budget& budget) {
    const auto started = Clock::now();
    std::string route_name = "unmatched";
    int64_t stale_ms = 0;
    ApiReply reply;
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::post) {
      reply = error_reply(405, "method_not_allowed", "the API answers GET (and POST /v1/events)");
    } else if (auto incoming = parse_incoming(req)) {
      reply = answer(*incoming, budget, route_name, stale_ms);
    } else {
      reply = error_reply(400, "bad_request", "malformed request target");
    }
    if (reply.status == 503) {
      if (auto spent = budget.spent()) {
        probe.stopped(spent->why == query::Budget::Why::kCallerGone ? "client_gone"
                                                                    : "over_budget");
      }
    }
    Response res{static_cast<bhttp::status>(reply.status), req.version()};
    if (stale_ms > 0) res.set("X-Ketenflow-Stale-Ms", std::to_string(stale_ms));
    if (reply.status == 401) res.set(bhttp::field::www_authenticate, "Bearer");
    res.set(bhttp::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set(bhttp::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    res.body() = std::move(reply.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    probe.record(route_name, reply.status, seconds);
    if (access_log) {
      access_log(std::string(req.method_string()) + " " + route_name + " " +
                 std::to_string(reply.status) + " " +
                 std::to_string(static_cast<int>(seconds * 1e6) / 1000.0) + " ms");
    }
    return res;
  }

  // An answer made without a worker (413, 400, 503 busy).
  static Response plain_reply(int status, const std::string& code, const std::string& message,
                              unsigned version) {
    ApiReply reply = error_reply(status, code, message);
    Response res{static_cast<bhttp::status>(status), version};
    res.set(bhttp::field::cache_control, "no-store");
    res.set(bhttp::field::content_type, reply.content_type);
    res.body() = std::move(reply.body);
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  }

  void accept();
  void admit(tcp::socket socket);
};

namespace {

template <typename Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <typename... Args>
  Session(ApiServer::State& state, std::string client, Args&&... args)
      : state_(state), client_(std::move(client)), stream_(std::forward<Args>(args)...) {
    where_ = state_.open.insert(state_.open.end(), this);
    ++state_.per_client[client_];
    state_.probe.set_open_connections(static_cast<int64_t>(state_.open.size()));
  }
  ~Session() override {
    state_.open.erase(where_);
    if (auto it = state_.per_client.find(client_); it != state_.per_client.end()) {
      if (--it->second <= 0) state_.per_client.erase(it);
    }
    state_.probe.set_open_connections(static_cast<int64_t>(state_.open.size()));
  }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::milliseconds(state_.options.head_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  if (ec == beast::error::timeout) {
                                    self->state_.probe.closed("head_timeout");
                                  }
                                  return;
                                }
                                self->read_head();
                              });
    } else {
      read_head();
    }
  }

  bool idle() const override { return idle_; }
  void close() override {
    beast::error_code ec;
    lowest().socket().close(ec);
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const beast::tcp_stream& lowest() const { return beast::get_lowest_layer(stream_); }

  // Between requests: wait for the next one's first byte, for the idle time.
  void wait_for_request() {
    if (buffer_.size() > 0) return read_head();
    idle_ = true;
    idle_timer_.expires_after(std::chrono::milliseconds(state_.options.idle_timeout_ms));
    idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->close();
    });
    lowest().socket().async_wait(tcp::socket::wait_read,
                                 [self = this->shared_from_this()](beast::error_code ec) {
                                   self->idle_ = false;
                                   self->idle_timer_.cancel();
                                   if (ec) return;
                                   self->read_head();
                                 });
  }

  // The whole head (and body) within the head deadline, however slowly it
  // trickles in.
  // The head first: its target decides the body's limit (POST /v1/events
  // may send more than the other routes).
  void read_head() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(state_.options.max_request_bytes));
    body_limit_ = state_.options.max_request_bytes;
    lowest().expires_after(std::chrono::milliseconds(state_.options.head_timeout_ms));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (ec) return self->on_read(ec);
                               self->read_body();
                             });
  }

  void read_body() {
    const auto target = parser_->get().target();
    const std::string_view path(target.data(), target.size());
    if (state_.options.gateway != nullptr && path.substr(0, path.find('?')) == kEventsRoute) {
      body_limit_ = state_.options.gateway_max_bytes;
    }
    parser_->body_limit(body_limit_);
    // Refused before the body is sent at all when its length says so.
    if (const auto length = parser_->content_length(); length && *length > body_limit_) {
      return on_read(bhttp::error::body_limit);
    }
    const auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      // curl waits a second for this before it sends a larger body.
      auto go_on =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      return bhttp::async_write(
          stream_, *go_on, [self = this->shared_from_this(), go_on](beast::error_code ec, size_t) {
            if (ec) return;
            self->read_rest();
          });
    }
    read_rest();
  }

  void read_rest() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      state_.probe.closed("head_timeout");
      return;
    }
    if (ec == bhttp::error::header_limit) {
      return write(
          State::plain_reply(413, "too_large",
                             "request heads are limited to " +
                                 std::to_string(state_.options.max_request_bytes) + " bytes",
                             11),
          true);
    }
    if (ec == bhttp::error::body_limit) {
      return write(State::plain_reply(413, "too_large",
                                      "the request body is over " + std::to_string(body_limit_) +
                                          " bytes, the limit of this route",
                                      11),
                   true);
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::eof || ec == net::error::connection_reset) {
      return;
    }
    if (ec) {
      // Not HTTP: say so once and close.
      return write(State::plain_reply(400, "bad_request", "malformed HTTP request", 11), true);
    }
    lowest().expires_never();
    auto request = std::make_shared<Request>(parser_->release());
    const int fd = lowest().socket().native_handle();
    auto budget = std::make_shared<query::Budget>();
    budget->budget_ms = state_.options.budget_ms;
    budget->deadline = Clock::now() + std::chrono::milliseconds(state_.options.budget_ms);
    budget->caller_gone = [fd] { return peer_gone(fd); };
    auto self = this->shared_from_this();
    State* state = &state_;
    const bool queued = state_.workers.submit([self, request, budget, state]() mutable {
      auto response = std::make_shared<Response>(state->handle(*request, *budget));
      Session* s = self.get();
      net::post(s->lowest().get_executor(), [self = std::move(self), response]() mutable {
        self->write(std::move(*response), false);
      });
    });
    if (!queued) {
      state_.probe.stopped("busy");
      write(State::plain_reply(503, "busy", "the server is busy: try again shortly",
                               request->version()),
            true);
    }
  }

  // `finish`: close after writing (errors, 413), draining what the client
  // still sends so it reads the answer instead of a reset.
  void write(Response response, bool finish) {
    response_ = std::make_shared<Response>(std::move(response));
    if (finish) response_->keep_alive(false);
    lowest().expires_after(std::chrono::seconds(state_.options.timeout_seconds));
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return;
                         const bool keep = self->response_->keep_alive();
                         self->response_.reset();
                         if (keep) return self->wait_for_request();
                         self->shut_down();
                       });
  }

  void shut_down() {
    lowest().expires_after(std::chrono::seconds(1));
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      drain();
    }
  }

  void drain() {
    lowest().async_read_some(net::buffer(drain_buffer_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (!ec) self->drain();
                             });
  }

  using State = ApiServer::State;
  State& state_;
  std::string client_;
  Stream stream_;
  std::list<Connection*>::iterator where_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  size_t body_limit_ = 0;
  std::shared_ptr<Response> response_;
  net::steady_timer idle_timer_{lowest().get_executor()};
  bool idle_ = false;
  std::array<char, 4096> drain_buffer_{};
};

}  // namespace

void ApiServer::State::accept() {
  acceptor.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors and the like: try again shortly.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

void ApiServer::State::admit(tcp::socket socket) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  std::string client = remote.address().to_string();
  if (options.max_per_client > 0) {
    auto it = per_client.find(client);
    if (it != per_client.end() && it->second >= options.max_per_client) {
      probe.closed("per_client_limit");
      return;  // the socket closes here
    }
  }
  if (options.max_connections > 0 && open.size() >= static_cast<size_t>(options.max_connections)) {
    // Make room by closing the longest-open idle keep-alive connection.
    auto idle = std::find_if(open.begin(), open.end(), [](Connection* c) { return c->idle(); });
    if (idle == open.end()) {
      probe.closed("connection_limit");
      return;
    }
    probe.closed("idle_evicted");
    (*idle)->close();
  }
  socket.set_option(tcp::no_delay(true), ec);
  if (tls) {
    auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        *this, std::move(client), std::move(socket), *tls);
    session->start();
  } else {
    auto session =
        std::make_shared<Session<beast::tcp_stream>>(*this, std::move(client), std::move(socket));
    session->start();
  }
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(const store::Store& store,
                                                    std::vector<model::ChainModel> chains,
                                                    HostProbe host, const ServerOptions& options,
                                                    AccessLog access_log) {
  const auto colon = options.address.rfind(':');
  if (colon == std::string::npos) return Error{"--http: expected HOST:PORT"};
  std::string host_name = options.address.substr(0, colon);
  int port = -1;
  try {
    port = std::stoi(options.address.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) return Error{"--http: bad port in " + options.address};
  if (host_name.size() > 2 && host_name.front() == '[' && host_name.back() == ']') {
    host_name = host_name.substr(1, host_name.size() - 2);
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Error{"--tls-cert and --tls-key go together"};
  }
  if (options.oidc.enabled()) {
    if (auto checked = check_oidc_options(options.oidc); !checked) return Error{checked.error()};
  }

  auto audit = AuditLog::open(options.audit_file);
  if (!audit) return Error{audit.error()};
  auto state = std::make_unique<State>(store, std::move(chains), std::move(host), options,
                                       std::move(access_log), std::move(*audit));
  if (auto loaded = state->tokens.load(); !loaded) return Error{loaded.error()};

  if (!options.tls_cert.empty()) {
    state->tls.emplace(ssl::context::tls_server);
    state->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code ec;
    state->tls->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) return Error{"--tls-cert: cannot use " + options.tls_cert + ": " + ec.message()};
    state->tls->use_private_key_file(options.tls_key, ssl::context::pem, ec);
    if (ec) return Error{"--tls-key: cannot use " + options.tls_key + ": " + ec.message()};
  }

  beast::error_code ec;
  tcp::resolver resolver(state->io);
  const auto endpoints =
      resolver.resolve(host_name, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Error{"--http: cannot resolve " + host_name + (ec ? ": " + ec.message() : "")};
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = state->acceptor;
  const std::string where = "--http: cannot listen on " + options.address + ": ";
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return Error{where + ec.message()};
  // SO_REUSEADDR only (restart while old connections linger in TIME_WAIT);
  // never SO_REUSEPORT, so a second server on the port fails here.
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec == net::error::address_in_use) return Error{where + "address in use"};
  if (ec) return Error{where + ec.message()};
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{where + ec.message()};

  const uint16_t bound = acceptor.local_endpoint().port();
  const std::string shown = endpoint.address().is_v6() ? "[" + host_name + "]" : host_name;
  state->url =
      std::string(state->tls ? "https" : "http") + "://" + shown + ":" + std::to_string(bound);
  State* s = state.get();
  s->accept();
  s->io_thread = std::thread([s] { s->io.run(); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(state)));
}

ApiServer::ApiServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

ApiServer::~ApiServer() {
  // Stop the I/O thread first, then the workers (their answers are posted to
  // the stopped I/O context and dropped with it, connections and all).
  net::post(state_->io, [s = state_.get()] {
    beast::error_code ec;
    s->acceptor.close(ec);
  });
  state_->io.stop();
  if (state_->io_thread.joinable()) state_->io_thread.join();
  state_->workers.stop();
}

const std::string& ApiServer::url() const { return state_->url; }

}  // namespace ketenflow::http
