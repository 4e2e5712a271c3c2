// serve's options for the HTTP server's limits and TLS (http/server.h
// ServerOptions): head deadline, request budget, connections per client,
// certificate and key; and for login with an OpenID Connect provider
// (http/oidc.h OidcOptions); the HTTP gateway's options (issue 14), shared by
// `serve --gateway` and `ketenflow gateway`; stopping on SIGTERM / SIGINT.
#pragma once

#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "connectors/publish/gateway.h"
#include "http/server.h"

namespace ketenflow::cli {

void add_http_limit_options(CLI::App* serve, http::ServerOptions& options);
void add_oidc_options(CLI::App* serve, http::OidcOptions& options);

// POST /v1/events: the partners' keys, delivery timeout, LRU size and the
// server's body, event and rate limits.
struct GatewayArgs {
  // PARTNER=FILE, one per partner whose raw identifiers the gateway
  // pseudonymises.
  std::vector<std::string> key_files;
  double timeout_s = 30;
  size_t remember = 100000;
};
void add_gateway_options(CLI::App* cmd, GatewayArgs& args, http::ServerOptions& options);

// The Kafka gateway for `chains`, producing to `topic` on `brokers`; an error
// names the option at fault (never a key).
Result<std::unique_ptr<publish::KafkaGateway>> start_gateway(
    const GatewayArgs& args, const std::string& brokers, const std::string& topic,
    const std::vector<model::ChainModel>& chains);

// SIGTERM / SIGINT set `stop`; handled by sigwait in a thread of our own, so
// no signal handler and no global state. Blocked before librdkafka starts its
// threads, which inherit the mask.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::atomic<bool>& stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, &stop] {
      const timespec tick{0, 200'000'000};
      while (!done_.load()) {
        if (sigtimedwait(&set_, nullptr, &tick) > 0) stop.store(true);
      }
    });
  }
  ~StopOnSignal() {
    done_.store(true);
    thread_.join();
  }

 private:
  sigset_t set_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace ketenflow::cli
