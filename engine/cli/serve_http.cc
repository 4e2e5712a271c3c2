#include "cli/serve_http.h"

namespace ketenflow::cli {

void add_http_limit_options(CLI::App* serve, http::ServerOptions& options) {
  serve
      ->add_option("--http-budget-ms", options.budget_ms,
                   "Longest a request may compute; past it the answer is 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  serve
      ->add_option("--http-head-timeout-ms", options.head_timeout_ms,
                   "A request's head must arrive whole within this, or the connection closes")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  serve
      ->add_option("--http-idle-timeout-ms", options.idle_timeout_ms,
                   "A keep-alive connection waits this long for its next request")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000));
  serve
      ->add_option("--http-per-client", options.max_per_client,
                   "Open connections per client address (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  serve
      ->add_option("--http-max-connections", options.max_connections,
                   "Open connections in all; idle ones are closed to make room")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve->add_option("--tls-cert", options.tls_cert,
                    "PEM certificate (chain): serve HTTPS instead of HTTP (with --tls-key)");
  serve->add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert");
}

}  // namespace ketenflow::cli
