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

}  // namespace ketenflow::cli
