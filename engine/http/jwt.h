// JSON Web Tokens signed by an OpenID Connect provider (RFC 7515, 7519),
// checked against the provider's published keys (a JWKS, RFC 7517). OpenSSL 3
// does the cryptography; nothing here fetches or caches (oidc.h does).
//
// What verify() checks, in this order: the compact form (three base64url
// parts, at most kMaxTokenBytes); the header's alg is RS256 or ES256 (none,
// HS256 and every other alg are refused, and so is a "crit" header); the
// signature under the given key; iss equals the expected issuer exactly; aud
// (a string or an array) holds the expected audience; exp is present and not
// past; nbf, when present, is not in the future (both with `leeway_s`).
//
// All functions are pure and safe to call from any thread; a PublicKey is
// immutable once parsed and may be shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/result.h"

struct evp_pkey_st;

namespace ketenflow::http::jwt {

// Longer tokens are refused before any decoding.
inline constexpr size_t kMaxTokenBytes = 16 * 1024;
// RSA keys shorter than this are skipped when a JWKS is read.
inline constexpr int kMinRsaBits = 2048;

// One signature key of a JWKS.
struct PublicKey {
  std::string kid;  // may be empty
  std::string alg;  // "RS256" (kty RSA) or "ES256" (kty EC, crv P-256)
  std::shared_ptr<evp_pkey_st> key;
};

// The signature keys of a JWKS document. Keys for encryption ("use":"enc"),
// of other types or algorithms, or RSA keys under kMinRsaBits are skipped;
// an error when the document is not a JWKS or holds no usable key.
Result<std::vector<PublicKey>> parse_jwks(std::string_view json);

// The unverified header fields needed to pick a key.
struct Header {
  std::string alg;
  std::string kid;
};

// Reads the header of a compact JWS; an error for a malformed token or an
// alg other than RS256 and ES256.
Result<Header> read_header(std::string_view token);

// The payload's iss before any check of the signature: only for refusing a
// token of another issuer early (before looking for its key); empty when
// the token has none or is malformed.
std::string unverified_issuer(std::string_view token);

// verify()'s error for a token of another issuer than `issuer`.
std::string foreign_issuer_error(const std::string& issuer);

struct Expectations {
  std::string issuer;
  std::string audience;
  // Allowed clock difference with the provider, for exp and nbf.
  int64_t leeway_s = 30;
};

// verify()'s error when the signature is not `key`'s (another key may fit).
inline constexpr std::string_view kBadSignature = "the token's signature does not verify";

// Verifies `token` under `key` and checks its claims (see the top of this
// file); returns the claims. `now_ms`: ms since the epoch.
Result<nlohmann::json> verify(std::string_view token, const PublicKey& key,
                              const Expectations& expect, int64_t now_ms);

// base64url without padding (RFC 7515 §2); decode refuses other characters.
std::string base64url_encode(std::string_view bytes);
Result<std::string> base64url_decode(std::string_view text);

}  // namespace ketenflow::http::jwt
