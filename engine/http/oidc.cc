#include "http/oidc.h"

#include <set>

#include <nlohmann/json.hpp>

#include "http/fetch.h"

namespace ketenflow::http {
namespace {

// The value at a dot path ("realm_access.roles"), or null.
const nlohmann::json* claim_at(const nlohmann::json& claims, const std::string& path) {
  const nlohmann::json* at = &claims;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object()) return nullptr;
    auto it = at->find(name);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at;
}

// A string claim, or an array's strings.
std::vector<std::string> strings_of(const nlohmann::json* value) {
  std::vector<std::string> out;
  if (value == nullptr) return out;
  if (value->is_string()) out.push_back(value->get<std::string>());
  if (value->is_array()) {
    for (const auto& v : *value) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

Status check_provider_url(const std::string& what, const std::string& text) {
  auto url = parse_url(text);
  if (!url) return Error{what + ": " + url.error()};
  if (!url->tls && !is_loopback_host(url->host)) {
    return Error{what + " must be https:// (http:// only on localhost): " + text};
  }
  return ok_status();
}

std::string text_member(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

Result<std::string> fetch_or_default(const Fetch& fetch, const OidcOptions& options,
                                     const std::string& url) {
  if (fetch) return fetch(url);
  return fetch_url(url, options.max_fetch_bytes, options.fetch_timeout_ms);
}

}  // namespace

Status check_oidc_options(const OidcOptions& options) {
  if (auto url = check_provider_url("--oidc-issuer", options.issuer); !url) return url;
  if (options.audience.empty()) return Error{"--oidc-audience must not be empty"};
  if (options.role_claim.empty()) return Error{"--oidc-role-claim must not be empty"};
  if (options.partner_claim.empty()) return Error{"--oidc-partner-claim must not be empty"};
  return ok_status();
}

OidcVerifier::OidcVerifier(OidcOptions options, Fetch fetch)
    : options_(std::move(options)), fetch_(std::move(fetch)) {}

Result<OidcVerifier::Discovery> OidcVerifier::discover() {
  std::string base = options_.issuer;
  while (base.ends_with('/')) base.pop_back();
  const std::string where = base + "/.well-known/openid-configuration";
  auto body = fetch_or_default(fetch_, options_, where);
  if (!body) return Error{"OIDC discovery: " + body.error()};
  auto doc = nlohmann::json::parse(*body, nullptr, false);
  if (!doc.is_object()) return Error{"OIDC discovery: " + where + " is not a JSON object"};
  // OpenID Connect Discovery 1.0 §4.3: the document's issuer is ours exactly.
  if (text_member(doc, "issuer") != options_.issuer) {
    return Error{"OIDC discovery: " + where + " names another issuer than " + options_.issuer};
  }
  Discovery out;
  out.jwks_uri = text_member(doc, "jwks_uri");
  if (auto url = check_provider_url("OIDC discovery: jwks_uri", out.jwks_uri); !url) {
    return Error{url.error()};
  }
  out.provider = {options_.issuer, options_.dashboard_client(),
                  text_member(doc, "authorization_endpoint"), text_member(doc, "token_endpoint"),
                  text_member(doc, "end_session_endpoint")};
  return out;
}

void OidcVerifier::refresh(int64_t now_ms, bool wait) {
  std::unique_lock fetching(fetch_mu_, std::defer_lock);
  if (wait) {
    fetching.lock();
  } else if (!fetching.try_lock()) {
    return;
  }
  std::optional<Discovery> discovery;
  {
    std::lock_guard lock(mu_);
    // Another worker may have fetched while this one waited.
    if (attempted_ && now_ms - attempt_at_ms_ < options_.min_refresh_ms) return;
    attempted_ = true;
    attempt_at_ms_ = now_ms;
    discovery = discovery_;
  }
  std::string failure;
  if (!discovery) {
    auto found = discover();
    if (found) {
      discovery = std::move(*found);
    } else {
      failure = found.error();
    }
  }
  std::optional<std::vector<jwt::PublicKey>> keys;
  if (discovery) {
    auto body = fetch_or_default(fetch_, options_, discovery->jwks_uri);
    auto parsed =
        body ? jwt::parse_jwks(*body) : Result<std::vector<jwt::PublicKey>>{Error{body.error()}};
    if (parsed) {
      keys = std::move(*parsed);
    } else {
      failure = "OIDC keys from " + discovery->jwks_uri + ": " + parsed.error();
    }
  }
  std::lock_guard lock(mu_);
  if (discovery && !discovery_) discovery_ = std::move(discovery);
  if (keys) {
    keys_ = std::move(*keys);
    keys_at_ms_ = now_ms;
    ++fetches_;
  }
  last_error_ = failure;
}

std::vector<jwt::PublicKey> OidcVerifier::candidates(const jwt::Header& header, int64_t now_ms,
                                                     bool& stale) {
  std::lock_guard lock(mu_);
  stale = keys_.empty() || now_ms - keys_at_ms_ >= options_.max_key_age_ms;
  std::vector<jwt::PublicKey> out;
  for (const auto& key : keys_) {
    if (key.alg != header.alg) continue;
    // Without a kid, any key of the alg may have signed it.
    if (header.kid.empty() || key.kid == header.kid) out.push_back(key);
  }
  return out;
}

Result<Caller> OidcVerifier::authenticate(std::string_view token, int64_t now_ms) {
  auto header = jwt::read_header(token);
  if (!header) return Error{header.error()};
  // Another issuer's token is refused before its key is looked for (and
  // cannot make the server fetch keys); verify() checks iss again, signed.
  if (jwt::unverified_issuer(token) != options_.issuer) {
    return Error{jwt::foreign_issuer_error(options_.issuer)};
  }
  bool stale = false;
  auto keys = candidates(*header, now_ms, stale);
  if (keys.empty() || stale) {
    refresh(now_ms, keys.empty());
    keys = candidates(*header, now_ms, stale);
  }
  if (keys.empty()) {
    std::lock_guard lock(mu_);
    if (!last_error_.empty()) {
      return Error{"cannot check the token: the provider's keys are not available (" + last_error_ +
                   ")"};
    }
    return Error{"the token's signing key is not among the provider's keys"};
  }
  const jwt::Expectations expect{options_.issuer, options_.audience, options_.leeway_s};
  Result<nlohmann::json> claims = Error{"no key"};
  for (const auto& key : keys) {
    claims = jwt::verify(token, key, expect, now_ms);
    if (claims || claims.error() != jwt::kBadSignature) break;
  }
  if (!claims) return Error{claims.error()};

  Caller caller;
  std::set<Role> roles;
  for (const auto& value : strings_of(claim_at(*claims, options_.role_claim))) {
    // Publishers are service accounts: file tokens only.
    if (auto role = parse_role(value); role && *role != Role::kPublisher) {
      caller.role = *role;
      roles.insert(*role);
    }
  }
  if (roles.empty()) {
    return Error{"the token carries no ketenflow role (admin, operator or analyst) in claim " +
                 options_.role_claim};
  }
  if (roles.size() > 1) {
    return Error{"the token carries more than one ketenflow role in claim " + options_.role_claim};
  }
  if (caller.role == Role::kOperator) {
    const auto partners = strings_of(claim_at(*claims, options_.partner_claim));
    if (partners.size() != 1 || partners.front().empty()) {
      return Error{"an operator's token must carry one partner in claim " + options_.partner_claim};
    }
    caller.partner = partners.front();
  }
  auto names = strings_of(claim_at(*claims, options_.name_claim));
  if (names.empty()) names = strings_of(claim_at(*claims, "sub"));
  if (names.empty())
    return Error{"the token names nobody (no " + options_.name_claim + ", no sub)"};
  caller.name = names.front();
  return caller;
}

Result<OidcProvider> OidcVerifier::provider(int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    if (discovery_) return discovery_->provider;
  }
  refresh(now_ms);
  std::lock_guard lock(mu_);
  if (discovery_) return discovery_->provider;
  return Error{last_error_.empty() ? "OIDC discovery: not fetched yet, try again shortly"
                                   : last_error_};
}

int64_t OidcVerifier::key_fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace ketenflow::http
