// `ketenflow gateway`: the HTTP gateway for partner systems on its own
// (issue 14), so partners can reach it while the engine stays internal.
//
//   ketenflow gateway --brokers B --http HOST:PORT --tokens FILE --chains PATH
//                     [--topic ketenflow.events] [--key-file PARTNER=FILE]...
//                     [--gateway-* limits] [--http-* limits] [--tls-cert F --tls-key F]
//
// Serves POST /v1/events (publisher tokens) and the probes /healthz, /readyz,
// /metrics and /v1/openapi.json; every other route is 404. It holds no data:
// the server's store is an empty one in a private temporary folder, removed
// on exit. Stops on SIGTERM or Ctrl-C after the requests in flight.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "cli/serve_http.h"
#include "model/chain_file.h"

namespace ketenflow::cli {
namespace {

struct GatewayCommandArgs {
  std::string brokers;
  std::string topic = "ketenflow.events";
  std::string chains;
  std::string http;
  std::string tokens;
  int http_threads = 16;
  http::ServerOptions http_limits;
  GatewayArgs gateway;
};

// An empty folder of our own, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/ketenflow-gateway-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int run_gateway(const GatewayCommandArgs& args) {
  std::atomic<bool> stop{false};
  StopOnSignal signals(stop);
  spdlog::logger log("gateway", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  log.set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  auto chains = model::load_chains(args.chains);
  if (!chains) return fail(chains.error());
  if (chains->empty()) return fail("no chains in " + args.chains);
  TempDir scratch;
  if (scratch.path().empty()) return fail("cannot make a temporary folder");
  auto store = store::Store::open(scratch.path() + "/store", {});
  if (!store) return fail(store.error());
  auto gateway = start_gateway(args.gateway, args.brokers, args.topic, *chains);
  if (!gateway) return fail(gateway.error());

  http::ServerOptions options = args.http_limits;
  options.address = args.http;
  options.tokens_file = args.tokens;
  options.audit_file = scratch.path() + "/audit.log";
  options.threads = args.http_threads;
  options.gateway = gateway->get();
  options.gateway_only = true;
  auto server =
      http::ApiServer::start(**store, *chains, {}, options,
                             [&log](const std::string& line) { log.info("http {}", line); });
  if (!server) return fail(server.error());
  log.info(
      "gateway: POST {}/v1/events to topic {} on {} (tokens {}); stop with Ctrl-C or: kill "
      "-TERM {}",
      (*server)->url(), args.topic, args.brokers, args.tokens, getpid());
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->reset();
  gateway->reset();
  log.info("stopped cleanly");
  return 0;
}

}  // namespace

void add_gateway_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<GatewayCommandArgs>();
  CLI::App* cmd = app.add_subcommand(
      "gateway", "HTTP gateway for partner systems: POST /v1/events to Kafka, without the engine");
  cmd->add_option("--brokers", args->brokers, "Kafka bootstrap servers (host:port,...)")
      ->required();
  cmd->add_option("--topic", args->topic, "Events topic")->capture_default_str();
  cmd->add_option("--chains", args->chains, "Chain file or folder: events are checked against it")
      ->required();
  cmd->add_option("--http", args->http, "Listen on HOST:PORT (port 0: a free one)")->required();
  cmd->add_option("--tokens", args->tokens,
                  "Token file with publisher tokens (ketenflow tokens add --role publisher)")
      ->required();
  cmd->add_option("--http-threads", args->http_threads, "HTTP worker threads answering requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  add_gateway_options(cmd, args->gateway, args->http_limits);
  add_http_limit_options(cmd, args->http_limits);
  cmd->callback([args, &exit_code] { exit_code = run_gateway(*args); });
}

}  // namespace ketenflow::cli
