#include "cli/serve_http.h"

#include <cmath>

#include "connectors/publish/pseudonym.h"

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

void add_oidc_options(CLI::App* serve, http::OidcOptions& options) {
  serve->add_option("--oidc-issuer", options.issuer,
                    "Also accept JWT bearer tokens of this OpenID Connect issuer (exactly as "
                    "in the tokens' iss; keys from ISSUER/.well-known/openid-configuration)");
  serve->add_option("--oidc-audience", options.audience, "The aud the provider's tokens must carry")
      ->capture_default_str();
  serve->add_option("--oidc-client-id", options.client_id,
                    "The dashboard's public client at the provider (default: the audience)");
  serve
      ->add_option("--oidc-role-claim", options.role_claim,
                   "Claim (dot path, e.g. realm_access.roles) holding the role: admin, operator "
                   "or analyst")
      ->capture_default_str();
  serve
      ->add_option("--oidc-partner-claim", options.partner_claim,
                   "Claim (dot path) holding an operator's partner")
      ->capture_default_str();
  serve
      ->add_option("--oidc-name-claim", options.name_claim,
                   "Claim naming the caller in the audit log (falls back to sub)")
      ->capture_default_str();
  serve
      ->add_option("--oidc-leeway-s", options.leeway_s,
                   "Allowed clock difference with the provider for exp and nbf, in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 600));
}

void add_gateway_options(CLI::App* cmd, GatewayArgs& args, http::ServerOptions& options) {
  cmd->add_option("--key-file", args.key_files,
                  "PARTNER=FILE: pseudonymisation key of a partner (mode 600, at least 16 "
                  "bytes); its events may then carry \"identifier\" instead of clientRef. "
                  "Repeatable");
  cmd->add_option("--gateway-max-bytes", options.gateway_max_bytes,
                  "Largest POST /v1/events body in bytes; past it the answer is 413")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{64} * 1024 * 1024));
  cmd->add_option("--gateway-max-events", options.gateway_max_events,
                  "Most events in one POST /v1/events request; past it the answer is 413")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd->add_option("--gateway-rate", options.gateway_rate,
                  "POST /v1/events requests per second per token (0: no limit); past it 429 "
                  "with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--gateway-burst", options.gateway_burst,
                  "Requests a token may send at once before --gateway-rate applies")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e6));
  cmd->add_option("--gateway-timeout", args.timeout_s,
                  "Seconds an event may wait for Kafka's acknowledgement before it is answered "
                  "not_delivered")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 600.0));
  cmd->add_option("--gateway-remember", args.remember,
                  "Recently accepted event ids kept to answer duplicate (the engine dedupes "
                  "all the same)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{10'000'000}));
}

Result<std::unique_ptr<publish::KafkaGateway>> start_gateway(
    const GatewayArgs& args, const std::string& brokers, const std::string& topic,
    const std::vector<model::ChainModel>& chains) {
  publish::GatewayOptions options;
  options.brokers = brokers;
  options.topic = topic;
  options.timeout_ms = static_cast<int>(std::lround(args.timeout_s * 1000));
  options.remember = args.remember;
  for (const std::string& entry : args.key_files) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == entry.size()) {
      return Error{"--key-file: expected PARTNER=FILE, got " + entry};
    }
    const std::string partner = entry.substr(0, equals);
    auto key = publish::read_key_file(entry.substr(equals + 1));
    if (!key) return Error{"--key-file " + partner + ": " + key.error()};
    if (!options.keys.emplace(partner, std::move(*key)).second) {
      return Error{"--key-file: partner " + partner + " is given twice"};
    }
  }
  return publish::KafkaGateway::start(chains, options);
}

}  // namespace ketenflow::cli
