#include "http/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>

namespace ketenflow::http::jwt {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BigNum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// A public key from OpenSSL parameters ("RSA" or "EC"); null when refused.
std::shared_ptr<EVP_PKEY> key_from(const char* type, OSSL_PARAM_BLD* build) {
  Params params(OSSL_PARAM_BLD_to_param(build));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  return share(key);
}

// A JWK member decoded from base64url; empty when missing or malformed.
std::string member_bytes(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return {};
  auto bytes = base64url_decode(it->get<std::string>());
  return bytes ? *bytes : std::string{};
}

std::string member_text(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

BigNum big_number(const std::string& bytes) {
  return BigNum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr));
}

std::shared_ptr<EVP_PKEY> rsa_key(const nlohmann::json& jwk) {
  const BigNum n = big_number(member_bytes(jwk, "n"));
  const BigNum e = big_number(member_bytes(jwk, "e"));
  ParamBuild build(OSSL_PARAM_BLD_new());
  if (!n || !e || BN_is_zero(n.get()) || BN_is_zero(e.get()) || !build ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return nullptr;
  }
  auto key = key_from("RSA", build.get());
  if (key && EVP_PKEY_get_bits(key.get()) < kMinRsaBits) return nullptr;
  return key;
}

std::shared_ptr<EVP_PKEY> p256_key(const nlohmann::json& jwk) {
  if (member_text(jwk, "crv") != "P-256") return nullptr;
  const std::string x = member_bytes(jwk, "x");
  const std::string y = member_bytes(jwk, "y");
  if (x.size() != 32 || y.size() != 32) return nullptr;
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  ParamBuild build(OSSL_PARAM_BLD_new());
  char group[] = "prime256v1";
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return key_from("EC", build.get());
}

// ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER.
std::string ecdsa_der(const std::string& raw) {
  if (raw.size() != 64) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(p, 32, nullptr);
  BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool signature_holds(const PublicKey& key, std::string_view signed_part, std::string signature) {
  if (key.alg == "ES256") signature = ecdsa_der(signature);
  if (signature.empty() || !key.key) return false;
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

struct Parts {
  std::string_view header, payload, signature;
};

Result<Parts> split(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return Error{"the token is longer than " + std::to_string(kMaxTokenBytes) + " bytes"};
  }
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Error{"the token is not a signed JWT (expected three parts separated by '.')"};
  }
  return Parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
               token.substr(second + 1)};
}

Result<nlohmann::json> decode_object(std::string_view part, const char* what) {
  auto bytes = base64url_decode(part);
  if (!bytes) return Error{std::string("the token's ") + what + " is not base64url"};
  auto json = nlohmann::json::parse(*bytes, nullptr, false);
  if (!json.is_object()) return Error{std::string("the token's ") + what + " is not a JSON object"};
  return json;
}

// A NumericDate claim in seconds; false when present but not a number.
bool numeric_date(const nlohmann::json& claims, const char* name, std::optional<double>& out) {
  auto it = claims.find(name);
  if (it == claims.end()) return true;
  if (!it->is_number()) return false;
  out = it->get<double>();
  return true;
}

bool has_audience(const nlohmann::json& claims, const std::string& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get<std::string>() == audience;
  if (!it->is_array()) return false;
  for (const auto& a : *it) {
    if (a.is_string() && a.get<std::string>() == audience) return true;
  }
  return false;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  static const std::array<int8_t, 256> kValue = [] {
    std::array<int8_t, 256> v{};
    v.fill(-1);
    for (size_t i = 0; i < kAlphabet.size(); ++i) v[static_cast<uint8_t>(kAlphabet[i])] = int8_t(i);
    return v;
  }();
  if (text.size() % 4 == 1) return Error{"base64url: bad length"};
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = kValue[static_cast<uint8_t>(c)];
    if (v < 0) return Error{"base64url: unexpected character"};
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

Result<std::vector<PublicKey>> parse_jwks(std::string_view json) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return Error{"the JWKS is not a JSON object with a \"keys\" array"};
  }
  std::vector<PublicKey> keys;
  for (const auto& jwk : doc["keys"]) {
    if (!jwk.is_object()) continue;
    const std::string use = member_text(jwk, "use");
    if (!use.empty() && use != "sig") continue;
    const std::string kty = member_text(jwk, "kty");
    const std::string alg = member_text(jwk, "alg");
    PublicKey key{member_text(jwk, "kid"), "", nullptr};
    if (kty == "RSA" && (alg.empty() || alg == "RS256")) {
      key.alg = "RS256";
      key.key = rsa_key(jwk);
    } else if (kty == "EC" && (alg.empty() || alg == "ES256")) {
      key.alg = "ES256";
      key.key = p256_key(jwk);
    }
    if (key.key) keys.push_back(std::move(key));
  }
  if (keys.empty()) return Error{"the JWKS holds no RS256 or ES256 signature key"};
  return keys;
}

Result<Header> read_header(std::string_view token) {
  auto parts = split(token);
  if (!parts) return Error{parts.error()};
  auto header = decode_object(parts->header, "header");
  if (!header) return Error{header.error()};
  Header out;
  if (auto it = header->find("alg"); it != header->end() && it->is_string()) {
    out.alg = it->get<std::string>();
  }
  if (out.alg != "RS256" && out.alg != "ES256") {
    return Error{"the token's alg \"" + out.alg.substr(0, 16) +
                 "\" is not accepted (only RS256 and ES256)"};
  }
  if (header->contains("crit")) return Error{"the token's header has \"crit\": not supported"};
  if (auto it = header->find("kid"); it != header->end()) {
    if (!it->is_string()) return Error{"the token's kid is not a string"};
    out.kid = it->get<std::string>();
  }
  return out;
}

std::string unverified_issuer(std::string_view token) {
  auto parts = split(token);
  if (!parts) return {};
  auto claims = decode_object(parts->payload, "payload");
  if (!claims) return {};
  auto iss = claims->find("iss");
  return iss != claims->end() && iss->is_string() ? iss->get<std::string>() : std::string{};
}

std::string foreign_issuer_error(const std::string& issuer) {
  return "the token was issued by another issuer than " + issuer;
}

Result<nlohmann::json> verify(std::string_view token, const PublicKey& key,
                              const Expectations& expect, int64_t now_ms) {
  auto header = read_header(token);
  if (!header) return Error{header.error()};
  if (header->alg != key.alg) return Error{"the token's alg does not match its key"};
  const Parts parts = *split(token);
  auto signature = base64url_decode(parts.signature);
  const std::string_view signed_part =
      token.substr(0, parts.header.size() + 1 + parts.payload.size());
  if (!signature || !signature_holds(key, signed_part, std::move(*signature))) {
    return Error{std::string(kBadSignature)};
  }
  auto claims = decode_object(parts.payload, "payload");
  if (!claims) return Error{claims.error()};
  const auto iss = claims->find("iss");
  if (iss == claims->end() || !iss->is_string() || iss->get<std::string>() != expect.issuer) {
    return Error{foreign_issuer_error(expect.issuer)};
  }
  if (!has_audience(*claims, expect.audience)) {
    return Error{"the token is not meant for audience " + expect.audience};
  }
  std::optional<double> exp, nbf;
  if (!numeric_date(*claims, "exp", exp) || !exp) return Error{"the token has no numeric exp"};
  if (!numeric_date(*claims, "nbf", nbf)) return Error{"the token's nbf is not a number"};
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  const auto leeway = static_cast<double>(expect.leeway_s);
  if (now_s >= *exp + leeway) return Error{"the token has expired"};
  if (nbf && now_s + leeway < *nbf) return Error{"the token is not valid yet (nbf)"};
  return std::move(*claims);
}

}  // namespace ketenflow::http::jwt
