// Test keys that sign JWTs the way an OpenID Connect provider does: an RSA
// 2048 (RS256) or P-256 (ES256) key pair made by OpenSSL for the test, its
// public half as a JWK, and compact JWS signed with it. Shared by the unit
// tests (tests/unit/oidc_test.cc) and the integration test that serves its
// own JWKS (tests/integration/oidc_test.cc).
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "http/jwt.h"

namespace ketenflow::test_keys {

class SigningKey {
 public:
  // "RS256" or "ES256".
  SigningKey(std::string alg, std::string kid) : alg_(std::move(alg)), kid_(std::move(kid)) {
    EVP_PKEY* key = alg_ == "RS256" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    if (key == nullptr) throw std::runtime_error("cannot make a test key");
    key_.reset(key, EVP_PKEY_free);
  }

  const std::string& kid() const { return kid_; }

  // The public key as a JWK (with kid, alg and "use":"sig").
  nlohmann::json jwk() const {
    nlohmann::json out = {{"kid", kid_}, {"alg", alg_}, {"use", "sig"}};
    if (alg_ == "RS256") {
      out["kty"] = "RSA";
      out["n"] = bn_param(OSSL_PKEY_PARAM_RSA_N);
      out["e"] = bn_param(OSSL_PKEY_PARAM_RSA_E);
    } else {
      unsigned char point[65];
      size_t len = 0;
      EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                      &len);
      const std::string bytes(reinterpret_cast<char*>(point), len);
      out["kty"] = "EC";
      out["crv"] = "P-256";
      out["x"] = http::jwt::base64url_encode(bytes.substr(1, 32));
      out["y"] = http::jwt::base64url_encode(bytes.substr(33, 32));
    }
    return out;
  }

  // A compact JWS of `claims` with this key's alg and kid; `header` entries
  // override the defaults (e.g. {"alg": "none"}).
  std::string sign(const nlohmann::json& claims, const nlohmann::json& header = {}) const {
    nlohmann::json head = {{"alg", alg_}, {"typ", "JWT"}, {"kid", kid_}};
    if (header.is_object()) head.update(header);
    const std::string input =
        http::jwt::base64url_encode(head.dump()) + "." + http::jwt::base64url_encode(claims.dump());
    return input + "." + http::jwt::base64url_encode(signature(input));
  }

 private:
  std::string bn_param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), name, &bn);
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return http::jwt::base64url_encode(bytes);
  }

  std::string signature(const std::string& input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get());
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    if (alg_ == "RS256") return sig;
    // DER ECDSA-Sig-Value -> r || s, 32 bytes each (RFC 7518 §3.4).
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(parsed);
    return raw;
  }

  std::string alg_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;
};

// A JWKS document of `keys`.
inline std::string jwks_of(std::initializer_list<const SigningKey*> keys) {
  nlohmann::json doc = {{"keys", nlohmann::json::array()}};
  for (const SigningKey* key : keys) doc["keys"].push_back(key->jwk());
  return doc.dump();
}

}  // namespace ketenflow::test_keys
