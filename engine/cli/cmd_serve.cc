// ketenflow serve: the engine as a Kafka consumer-group member.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <xxhash.h>

#include "cli/command.h"
#include "cli/common.h"
#include "cli/serve_http.h"
#include "http/server.h"
#include "kafka/event_source.h"
#include "kpi/histogram.h"
#include "model/chain_file.h"

namespace ketenflow::cli {
namespace {

struct ServeArgs {
  std::string data;
  std::string chains;
  std::string brokers;
  std::string topic = "ketenflow.events";
  std::string group = "ketenflow";
  std::string dlq_topic;
  std::string instance_id;
  size_t batch = 5000;
  int batch_ms = 200;
  bool sync = false;
  std::string http;
  std::string tokens;
  std::string audit;
  uint32_t k = 10;
  uint32_t round = 0;
  std::string analyst_periods = "any";
  int http_threads = 16;
  http::ServerOptions http_limits;
  bool gateway = false;
  GatewayArgs gateway_args;
};

// A stable member id per store: a restarted serve gets its partitions back.
std::string default_instance_id(const std::string& data) {
  std::error_code ec;
  const std::string dir = std::filesystem::weakly_canonical(data, ec).string();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(dir.data(), dir.size())));
  return std::string("ketenflow-") + host + "-" + std::string(hex, 8);
}

int run_serve(const ServeArgs& args) {
  std::atomic<bool> stop{false};
  StopOnSignal signals(stop);
  spdlog::logger log("serve", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  log.set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  ingest::ChainSetup setup;
  if (!args.chains.empty()) {
    auto chains = model::load_chains(args.chains);
    if (!chains) return fail(chains.error());
    setup.chains = std::move(*chains);
  }
  store::StoreOptions store_options;
  store_options.sync = args.sync;
  auto store = store::Store::open(args.data, store_options);
  if (!store) return fail(store.error());
  auto pipeline = ingest::Pipeline::open(**store, std::move(setup), {.outbox = true});
  if (!pipeline) return fail(pipeline.error());
  if ((*pipeline)->chains().empty()) return fail("no chains: give --chains PATH");

  if (args.brokers.empty() && args.http.empty()) return fail("give --brokers, --http or both");

  kafka::ConsumeProbe probe;
  // Declared before the server, so it outlives the server's workers.
  std::unique_ptr<publish::KafkaGateway> gateway;
  if (args.gateway) {
    if (args.brokers.empty() || args.http.empty())
      return fail("--gateway needs --brokers and --http");
    auto started =
        start_gateway(args.gateway_args, args.brokers, args.topic, (*pipeline)->chains());
    if (!started) return fail(started.error());
    gateway = std::move(*started);
  } else if (!args.gateway_args.key_files.empty()) {
    return fail("--key-file is for --gateway");
  }
  std::unique_ptr<http::ApiServer> server;
  if (!args.http.empty()) {
    http::ServerOptions http_options = args.http_limits;
    http_options.address = args.http;
    http_options.tokens_file = args.tokens.empty() ? args.data + "/tokens" : args.tokens;
    http_options.audit_file = args.audit.empty() ? args.data + "/audit.log" : args.audit;
    http_options.k = args.k;
    http_options.round = args.round;
    http_options.analyst_calendar_periods = args.analyst_periods == "calendar";
    http_options.threads = args.http_threads;
    http_options.gateway = gateway.get();
    http::HostProbe host;
    if (!args.brokers.empty()) {
      host.metrics = [&probe, topic = args.topic] { return kafka::consume_metrics(probe, topic); };
      host.not_ready = [&probe]() -> std::string {
        std::lock_guard lock(probe.mu);
        return probe.assigned ? "" : "no Kafka partitions assigned yet";
      };
    }
    auto started =
        http::ApiServer::start(**store, (*pipeline)->chains(), std::move(host), http_options,
                               [&log](const std::string& line) { log.info("http {}", line); });
    if (!started) return fail(started.error());
    server = std::move(*started);
    log.info("http: listening on {}/ (tokens {}, audit log {})", server->url(),
             http_options.tokens_file, http_options.audit_file);
    if (gateway) log.info("http: gateway POST /v1/events to topic {}", args.topic);
    if (http_options.oidc.enabled()) {
      log.info("http: also JWTs of OpenID Connect issuer {} for audience {}",
               http_options.oidc.issuer, http_options.oidc.audience);
    }
  }
  if (args.brokers.empty()) {
    log.info("serving the store as it is (no --brokers); stop with Ctrl-C or: kill -TERM {}",
             getpid());
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.reset();
    log.info("stopped cleanly");
    return 0;
  }

  kafka::ConsumeOptions options;
  options.brokers = args.brokers;
  options.topic = args.topic;
  options.group = args.group;
  options.instance_id =
      args.instance_id.empty() ? default_instance_id(args.data) : args.instance_id;
  options.batch_records = args.batch;
  options.batch_ms = args.batch_ms;
  const std::string dlq = args.dlq_topic.empty() ? args.topic + ".dlq" : args.dlq_topic;
  const kafka::Log to_log = [&log](std::string_view level, const std::string& message) {
    if (level == "warn") {
      log.warn("{}", message);
    } else {
      log.info("{}", message);
    }
  };
  auto dead_letter = kafka::DeadLetterSink::open(**store, args.brokers, dlq, to_log);
  if (!dead_letter) return fail(dead_letter.error());
  log.info("consuming {} as group {} (member {}) into {}; rejects to {}", args.topic, args.group,
           options.instance_id, args.data, dlq);
  log.info("stop with Ctrl-C or: kill -TERM {}", getpid());
  const auto status =
      kafka::consume(**store, **pipeline, **dead_letter, options, stop, probe, to_log);
  server.reset();
  if (!status) return fail(status.error());
  if (auto settled = (*store)->settle(); !settled) return fail(settled.error());
  log.info("stopped cleanly: {} records in {} batches: accepted {}, duplicates {}, rejected {}",
           probe.records, probe.batches, probe.counts.accepted, probe.counts.duplicates,
           probe.counts.rejected);
  if (!probe.latency_ms.empty()) {
    log.info("latency from produce to stored: p50 {:.0f} ms, p99 {:.0f} ms",
             kpi::quantile_ms(probe.latency_ms, 0.50), kpi::quantile_ms(probe.latency_ms, 0.99));
  }
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Consume partner events from Kafka into a store, effectively once; serve the API");
  cmd->add_option("--data", args->data, "Store folder (created when missing)")->required();
  cmd->add_option("--chains", args->chains,
                  "Chain file or folder (default: the chains recorded in the store)");
  cmd->add_option("--brokers", args->brokers,
                  "Kafka bootstrap servers, host:port,... (without: no ingest, only --http)");
  cmd->add_option("--topic", args->topic, "Topic of ClientEvents")->capture_default_str();
  cmd->add_option("--group", args->group, "Consumer group")->capture_default_str();
  cmd->add_option("--dlq-topic", args->dlq_topic, "Dead-letter topic (default: TOPIC.dlq)");
  cmd->add_option("--instance-id", args->instance_id,
                  "Static group member id (default: from host and store folder)");
  cmd->add_option("--batch", args->batch, "Most records per atomic batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--batch-ms", args->batch_ms, "Longest wait before a partial batch is applied")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  cmd->add_flag("--sync", args->sync, "fsync every batch (survives a machine crash)");
  cmd->add_option("--http", args->http,
                  "Serve the HTTP API and dashboard on HOST:PORT (port 0: a free one)");
  cmd->add_option("--tokens", args->tokens, "API token file (default: DATA/tokens)");
  cmd->add_option("--audit", args->audit,
                  "Audit log of client-level reads (default: DATA/audit.log)");
  cmd->add_option("--k", args->k, "Analysts see counts below k as \"<k\"")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--round", args->round,
                  "Analysts see counts rounded to multiples of N, shares from the rounded counts")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--analyst-periods", args->analyst_periods,
                  "calendar: analysts' from/to must be the first day of a month")
      ->capture_default_str()
      ->check(CLI::IsMember({"any", "calendar"}));
  cmd->add_option("--http-threads", args->http_threads, "HTTP worker threads answering requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  add_http_limit_options(cmd, args->http_limits);
  add_oidc_options(cmd, args->http_limits.oidc);
  cmd->add_flag("--gateway", args->gateway,
                "Also take partner events at POST /v1/events (publisher tokens) and produce "
                "them to --topic (needs --brokers and --http)");
  add_gateway_options(cmd, args->gateway_args, args->http_limits);
  cmd->callback([args, &exit_code] { exit_code = run_serve(*args); });
}

}  // namespace ketenflow::cli
