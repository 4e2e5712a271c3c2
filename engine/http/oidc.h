// Bearer tokens from an OpenID Connect provider (README "Login with your
// organisation's account"): JWTs checked by jwt::verify against the keys the
// provider publishes, and turned into a Caller by configurable claims.
//
// The provider's discovery document (ISSUER/.well-known/openid-configuration)
// names its jwks_uri; both are fetched on first use, with a size cap and a
// deadline (fetch.h). Keys are cached: fetched again when older than
// max_key_age_ms, or when a token names a key id the cache does not hold
// (keys rotated) — but never more often than once per min_refresh_ms, so
// tokens with made-up key ids cannot make the server hammer the provider.
// When a refresh fails the keys held so far stay in use.
//
// Thread-safe: authenticate() and provider() may be called from every
// worker at once; one fetch runs at a time and the cache is read under a
// mutex that no fetch holds. Only requests that find no key for their token
// wait for a fetch; an hourly refresh does not hold up the others.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/jwt.h"
#include "http/tokens.h"
#include "model/result.h"

namespace ketenflow::http {

struct OidcOptions {
  // The provider's issuer URL, exactly as in its tokens' iss; empty: off.
  std::string issuer;
  // The aud the tokens must carry.
  std::string audience = "ketenflow";
  // The dashboard's (public) client at the provider; empty: the audience.
  std::string client_id;
  // Claims, as dot paths into the token ("realm_access.roles"). The role
  // claim is a string or an array of strings; exactly one of its values
  // must be a ketenflow role (admin, operator, analyst). The partner claim
  // (a string or an array of one) is required for operators. The name is
  // what the audit log records (falls back to sub).
  std::string role_claim = "roles";
  std::string partner_claim = "partner";
  std::string name_claim = "preferred_username";
  int64_t leeway_s = 30;
  int64_t min_refresh_ms = 10'000;
  int64_t max_key_age_ms = 3'600'000;
  // Fetching discovery document and keys.
  size_t max_fetch_bytes = 256 * 1024;
  int fetch_timeout_ms = 5'000;

  bool enabled() const { return !issuer.empty(); }
  const std::string& dashboard_client() const { return client_id.empty() ? audience : client_id; }
};

// Checks the options themselves: the issuer must be https:// (http:// only
// on a loopback host, for tests) and the audience and claims non-empty.
Status check_oidc_options(const OidcOptions& options);

// GET url -> body; fetch_url in the server, a fake in tests.
using Fetch = std::function<Result<std::string>(const std::string& url)>;

// What the dashboard needs to send a user to the provider.
struct OidcProvider {
  std::string issuer;
  std::string client_id;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string end_session_endpoint;  // may be empty
};

class OidcVerifier {
 public:
  // `fetch` defaults to fetch_url with the options' cap and deadline.
  explicit OidcVerifier(OidcOptions options, Fetch fetch = nullptr);

  // The caller a token stands for; the error says why it is refused.
  // `now_ms`: ms since the epoch (also the clock of the key cache).
  Result<Caller> authenticate(std::string_view token, int64_t now_ms);

  // The provider's endpoints (from its discovery document).
  Result<OidcProvider> provider(int64_t now_ms);

  // How many times the keys were fetched (for tests and metrics).
  int64_t key_fetches() const;

 private:
  struct Discovery {
    std::string jwks_uri;
    OidcProvider provider;
  };
  Result<Discovery> discover();
  // Fetches the keys unless the last attempt is too recent. With `wait`
  // false it returns at once while another thread fetches (the keys held
  // are still good enough for this request).
  void refresh(int64_t now_ms, bool wait = true);
  std::vector<jwt::PublicKey> candidates(const jwt::Header& header, int64_t now_ms, bool& stale);

  const OidcOptions options_;
  const Fetch fetch_;
  std::mutex fetch_mu_;  // one fetch at a time; taken before mu_
  mutable std::mutex mu_;
  std::optional<Discovery> discovery_;
  std::vector<jwt::PublicKey> keys_;
  int64_t keys_at_ms_ = 0;
  int64_t attempt_at_ms_ = 0;
  bool attempted_ = false;
  int64_t fetches_ = 0;
  std::string last_error_;
};

}  // namespace ketenflow::http
