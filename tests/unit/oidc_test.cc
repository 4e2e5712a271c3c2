// JWT verification (http/jwt.h) and the OIDC verifier's claims and key cache
// (http/oidc.h), with keys made by OpenSSL in the test and a fake provider.
#include <gtest/gtest.h>

#include <map>

#include "http/fetch.h"
#include "http/jwt.h"
#include "http/oidc.h"
#include "tests/jwt_signer.h"

namespace ketenflow::http {
namespace {

using test_keys::jwks_of;
using test_keys::SigningKey;

constexpr char kIssuer[] = "https://login.example.org/realms/ketenflow";
constexpr int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15
constexpr int64_t kNowS = kNowMs / 1000;

const SigningKey& rsa_key() {
  static const SigningKey key("RS256", "rsa-1");
  return key;
}
const SigningKey& ec_key() {
  static const SigningKey key("ES256", "ec-1");
  return key;
}

nlohmann::json claims(nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json out = {{"iss", kIssuer},
                        {"aud", "ketenflow"},
                        {"exp", kNowS + 300},
                        {"iat", kNowS - 10},
                        {"sub", "3f1c"},
                        {"preferred_username", "jan"},
                        {"realm_access", {{"roles", {"offline_access", "operator"}}}},
                        {"partner", {"mo-denbosch"}}};
  out.update(extra);
  return out;
}

const jwt::Expectations kExpect{kIssuer, "ketenflow", 30};

jwt::PublicKey only_key(const SigningKey& key) {
  auto keys = jwt::parse_jwks(jwks_of({&key}));
  EXPECT_TRUE(keys) << keys.error();
  EXPECT_EQ(keys->size(), 1u);
  return keys->front();
}

TEST(Jwt, Base64urlRoundTripsEveryByteWithoutPadding) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string text = jwt::base64url_encode(bytes);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
  auto back = jwt::base64url_decode(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, bytes);
  EXPECT_FALSE(jwt::base64url_decode("ab+c"));
  EXPECT_FALSE(jwt::base64url_decode("abcde"));
}

TEST(Jwt, Rs256TokenVerifiesAndYieldsItsClaims) {
  auto got = jwt::verify(rsa_key().sign(claims()), only_key(rsa_key()), kExpect, kNowMs);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ((*got)["preferred_username"], "jan");
}

TEST(Jwt, Es256TokenVerifiesAndYieldsItsClaims) {
  auto got = jwt::verify(ec_key().sign(claims()), only_key(ec_key()), kExpect, kNowMs);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ((*got)["sub"], "3f1c");
}

TEST(Jwt, AudienceMayBeOneOfAnArray) {
  auto got = jwt::verify(rsa_key().sign(claims({{"aud", {"account", "ketenflow"}}})),
                         only_key(rsa_key()), kExpect, kNowMs);
  EXPECT_TRUE(got) << got.error();
}

struct Refusal {
  const char* name;
  nlohmann::json claims;
  const char* error;
};

TEST(Jwt, RefusesExpiredNotYetValidForeignIssuerAndWrongAudience) {
  const std::vector<Refusal> cases = {
      {"expired", claims({{"exp", kNowS - 31}}), "the token has expired"},
      {"no exp",
       [] {
         auto c = claims();
         c.erase("exp");
         return c;
       }(),
       "the token has no numeric exp"},
      {"not yet valid", claims({{"nbf", kNowS + 31}}), "the token is not valid yet (nbf)"},
      {"foreign issuer", claims({{"iss", "https://evil.example.org/realms/ketenflow"}}),
       "the token was issued by another issuer than https://login.example.org/realms/ketenflow"},
      {"issuer with slash", claims({{"iss", std::string(kIssuer) + "/"}}),
       "the token was issued by another issuer than https://login.example.org/realms/ketenflow"},
      {"wrong audience", claims({{"aud", "account"}}),
       "the token is not meant for audience ketenflow"},
      {"no audience",
       [] {
         auto c = claims();
         c.erase("aud");
         return c;
       }(),
       "the token is not meant for audience ketenflow"},
  };
  for (const auto& c : cases) {
    auto got = jwt::verify(rsa_key().sign(c.claims), only_key(rsa_key()), kExpect, kNowMs);
    ASSERT_FALSE(got) << c.name;
    EXPECT_EQ(got.error(), c.error) << c.name;
  }
}

TEST(Jwt, LeewayAllowsASmallClockDifference) {
  auto got = jwt::verify(rsa_key().sign(claims({{"exp", kNowS - 29}, {"nbf", kNowS + 29}})),
                         only_key(rsa_key()), kExpect, kNowMs);
  EXPECT_TRUE(got) << got.error();
}

TEST(Jwt, RefusesAlgNoneAndHs256BeforeLookingForAKey) {
  const std::string payload = jwt::base64url_encode(claims().dump());
  for (const char* alg : {"none", "HS256", "RS384", "PS256"}) {
    const std::string head =
        jwt::base64url_encode(nlohmann::json{{"alg", alg}, {"kid", "rsa-1"}}.dump());
    auto header = jwt::read_header(head + "." + payload + ".");
    ASSERT_FALSE(header) << alg;
    EXPECT_EQ(header.error(), std::string("the token's alg \"") + alg +
                                  "\" is not accepted (only RS256 and ES256)");
    auto verified = jwt::verify(head + "." + payload + ".", only_key(rsa_key()), kExpect, kNowMs);
    EXPECT_FALSE(verified) << alg;
  }
}

TEST(Jwt, RefusesABadSignature) {
  std::string token = rsa_key().sign(claims());
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  auto got = jwt::verify(token, only_key(rsa_key()), kExpect, kNowMs);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), jwt::kBadSignature);
  // Claims changed after signing.
  const std::string signed_token = rsa_key().sign(claims());
  const size_t dot = signed_token.find('.');
  const size_t dot2 = signed_token.find('.', dot + 1);
  const std::string forged =
      signed_token.substr(0, dot + 1) +
      jwt::base64url_encode(claims({{"realm_access", {{"roles", {"admin"}}}}}).dump()) +
      signed_token.substr(dot2);
  got = jwt::verify(forged, only_key(rsa_key()), kExpect, kNowMs);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), jwt::kBadSignature);
}

TEST(Jwt, RefusesATokenSignedByAnotherKeyOfTheSameKind) {
  const SigningKey other("ES256", "ec-1");
  auto got = jwt::verify(other.sign(claims()), only_key(ec_key()), kExpect, kNowMs);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), jwt::kBadSignature);
}

TEST(Jwt, RefusesMalformedAndOversizedTokens) {
  for (const std::string token : {"", "abc", "a.b", "a.b.c.d", "!!.e30.sig"}) {
    EXPECT_FALSE(jwt::read_header(token)) << token;
  }
  auto huge = jwt::read_header(std::string(jwt::kMaxTokenBytes + 1, 'a'));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error(), "the token is longer than 16384 bytes");
}

TEST(Jwt, JwksSkipsEncryptionKeysAndOtherAlgorithms) {
  nlohmann::json enc = rsa_key().jwk();
  enc["use"] = "enc";
  enc["kid"] = "enc-1";
  nlohmann::json oaep = rsa_key().jwk();
  oaep["alg"] = "RSA-OAEP";
  nlohmann::json hmac = {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hs"}};
  nlohmann::json doc = {{"keys", {enc, oaep, hmac, ec_key().jwk()}}};
  auto keys = jwt::parse_jwks(doc.dump());
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().kid, "ec-1");
  EXPECT_EQ(keys->front().alg, "ES256");
  auto none = jwt::parse_jwks(nlohmann::json{{"keys", {hmac}}}.dump());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), "the JWKS holds no RS256 or ES256 signature key");
  EXPECT_FALSE(jwt::parse_jwks("not json"));
}

// --- the verifier: discovery, key cache, claims ----------------------------

struct FakeProvider {
  explicit FakeProvider(std::string keys) : jwks(std::move(keys)) {}
  std::string jwks;
  std::string issuer = kIssuer;
  std::map<std::string, int> calls;

  Fetch fetch() {
    return [this](const std::string& url) -> Result<std::string> {
      ++calls[url];
      if (url == std::string(kIssuer) + "/.well-known/openid-configuration") {
        return nlohmann::json{{"issuer", issuer},
                              {"jwks_uri", std::string(kIssuer) + "/certs"},
                              {"authorization_endpoint", std::string(kIssuer) + "/auth"},
                              {"token_endpoint", std::string(kIssuer) + "/token"}}
            .dump();
      }
      if (url == std::string(kIssuer) + "/certs") return jwks;
      return Error{url + ": HTTP 404"};
    };
  }
};

OidcOptions options() {
  OidcOptions o;
  o.issuer = kIssuer;
  o.role_claim = "realm_access.roles";
  return o;
}

TEST(Oidc, OperatorTokenBecomesACallerWithRoleAndPartner) {
  FakeProvider provider(jwks_of({&rsa_key(), &ec_key()}));
  OidcVerifier verifier(options(), provider.fetch());
  auto caller = verifier.authenticate(ec_key().sign(claims()), kNowMs);
  ASSERT_TRUE(caller) << caller.error();
  EXPECT_EQ(caller->name, "jan");
  EXPECT_EQ(caller->role, Role::kOperator);
  EXPECT_EQ(caller->partner, "mo-denbosch");
  auto analyst = verifier.authenticate(
      rsa_key().sign(claims({{"realm_access", {{"roles", {"analyst"}}}}, {"partner", nullptr}})),
      kNowMs);
  ASSERT_TRUE(analyst) << analyst.error();
  EXPECT_EQ(analyst->role, Role::kAnalyst);
  EXPECT_EQ(analyst->partner, "");
  EXPECT_EQ(verifier.key_fetches(), 1);
}

TEST(Oidc, RoleAndPartnerClaimsAreConfigurable) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcOptions o = options();
  o.role_claim = "ketenflow.role";
  o.partner_claim = "org";
  o.name_claim = "email";
  OidcVerifier verifier(o, provider.fetch());
  auto caller = verifier.authenticate(rsa_key().sign(claims({{"ketenflow", {{"role", "operator"}}},
                                                             {"org", "leger-des-heils"},
                                                             {"email", "jan@example.org"}})),
                                      kNowMs);
  ASSERT_TRUE(caller) << caller.error();
  EXPECT_EQ(caller->role, Role::kOperator);
  EXPECT_EQ(caller->partner, "leger-des-heils");
  EXPECT_EQ(caller->name, "jan@example.org");
}

TEST(Oidc, RefusesTokensWithoutExactlyOneRoleOrAnOperatorWithoutPartner) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcVerifier verifier(options(), provider.fetch());
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {claims({{"realm_access", {{"roles", {"offline_access"}}}}}),
       "the token carries no ketenflow role (admin, operator or analyst) in claim "
       "realm_access.roles"},
      {claims({{"realm_access", {{"roles", {"analyst", "admin"}}}}}),
       "the token carries more than one ketenflow role in claim realm_access.roles"},
      {claims({{"partner", nlohmann::json::array()}}),
       "an operator's token must carry one partner in claim partner"},
      {claims({{"partner", {"a", "b"}}}),
       "an operator's token must carry one partner in claim partner"},
  };
  for (const auto& [c, error] : cases) {
    auto got = verifier.authenticate(rsa_key().sign(c), kNowMs);
    ASSERT_FALSE(got) << c.dump();
    EXPECT_EQ(got.error(), error);
  }
}

TEST(Oidc, UnknownKeyIdRefetchesTheKeysAtMostOncePerInterval) {
  const SigningKey rotated("RS256", "rsa-2");
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcOptions o = options();
  o.min_refresh_ms = 10'000;
  OidcVerifier verifier(o, provider.fetch());
  const std::string certs = std::string(kIssuer) + "/certs";
  ASSERT_TRUE(verifier.authenticate(rsa_key().sign(claims()), kNowMs));
  EXPECT_EQ(provider.calls[certs], 1);

  // Made-up key ids: one refetch, then none until the interval has passed.
  for (int i = 0; i < 5; ++i) {
    auto got =
        verifier.authenticate(rsa_key().sign(claims(), {{"kid", "made-up"}}), kNowMs + 10'000 + i);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error(), "the token's signing key is not among the provider's keys");
  }
  EXPECT_EQ(provider.calls[certs], 2);

  // The provider rotates its keys: a token with the new kid is accepted
  // once the interval has passed.
  provider.jwks = jwks_of({&rsa_key(), &rotated});
  EXPECT_FALSE(verifier.authenticate(rotated.sign(claims()), kNowMs + 15'000));
  EXPECT_EQ(provider.calls[certs], 2);
  auto after = verifier.authenticate(rotated.sign(claims()), kNowMs + 20'000);
  EXPECT_TRUE(after) << after.error();
  EXPECT_EQ(provider.calls[certs], 3);
  // Discovery was needed once only.
  EXPECT_EQ(provider.calls[std::string(kIssuer) + "/.well-known/openid-configuration"], 1);
}

TEST(Oidc, AnotherIssuersTokenIsRefusedWithoutFetchingKeys) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcVerifier verifier(options(), provider.fetch());
  const SigningKey foreign("RS256", "their-key");
  auto got = verifier.authenticate(
      foreign.sign(claims({{"iss", "https://login.example.com/realms/other"}})), kNowMs);
  ASSERT_FALSE(got);
  EXPECT_EQ(
      got.error(),
      "the token was issued by another issuer than https://login.example.org/realms/ketenflow");
  EXPECT_EQ(verifier.key_fetches(), 0);
  EXPECT_TRUE(provider.calls.empty());
}

TEST(Oidc, KeysOlderThanTheirMaximumAgeAreFetchedAgain) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcOptions o = options();
  o.max_key_age_ms = 60'000;
  OidcVerifier verifier(o, provider.fetch());
  ASSERT_TRUE(verifier.authenticate(rsa_key().sign(claims()), kNowMs));
  ASSERT_TRUE(verifier.authenticate(rsa_key().sign(claims()), kNowMs + 59'000));
  EXPECT_EQ(verifier.key_fetches(), 1);
  ASSERT_TRUE(verifier.authenticate(rsa_key().sign(claims()), kNowMs + 61'000));
  EXPECT_EQ(verifier.key_fetches(), 2);
}

TEST(Oidc, KeepsTheKeysItHasWhenTheProviderFails) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcOptions o = options();
  o.max_key_age_ms = 60'000;
  OidcVerifier verifier(o, provider.fetch());
  ASSERT_TRUE(verifier.authenticate(rsa_key().sign(claims()), kNowMs));
  provider.jwks = "<html>down for maintenance</html>";
  auto got = verifier.authenticate(rsa_key().sign(claims()), kNowMs + 61'000);
  EXPECT_TRUE(got) << got.error();
}

TEST(Oidc, DiscoveryNamingAnotherIssuerIsRefused) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  provider.issuer = "https://evil.example.org/";
  OidcVerifier verifier(options(), provider.fetch());
  auto got = verifier.authenticate(rsa_key().sign(claims()), kNowMs);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(),
            "cannot check the token: the provider's keys are not available (OIDC discovery: "
            "https://login.example.org/realms/ketenflow/.well-known/openid-configuration names "
            "another issuer than https://login.example.org/realms/ketenflow)");
}

TEST(Oidc, ProviderEndpointsComeFromDiscovery) {
  FakeProvider provider(jwks_of({&rsa_key()}));
  OidcOptions o = options();
  o.client_id = "ketenflow-dashboard";
  OidcVerifier verifier(o, provider.fetch());
  auto info = verifier.provider(kNowMs);
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->client_id, "ketenflow-dashboard");
  EXPECT_EQ(info->authorization_endpoint, std::string(kIssuer) + "/auth");
  EXPECT_EQ(info->token_endpoint, std::string(kIssuer) + "/token");
}

TEST(Oidc, IssuerMustBeHttpsExceptOnLoopback) {
  OidcOptions o = options();
  EXPECT_TRUE(check_oidc_options(o));
  o.issuer = "http://login.example.org/realms/x";
  auto refused = check_oidc_options(o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(),
            "--oidc-issuer must be https:// (http:// only on localhost): "
            "http://login.example.org/realms/x");
  o.issuer = "http://127.0.0.1:8081/realms/x";
  EXPECT_TRUE(check_oidc_options(o));
  o.issuer = "ftp://x";
  EXPECT_FALSE(check_oidc_options(o));
}

TEST(Fetch, UrlsSplitIntoHostPortAndTarget) {
  auto url = parse_url("https://login.example.org/realms/k/.well-known/openid-configuration");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "login.example.org");
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->target, "/realms/k/.well-known/openid-configuration");
  url = parse_url("http://[::1]:8080");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->target, "/");
  EXPECT_FALSE(parse_url("https://user@host/"));
  EXPECT_FALSE(parse_url("https://host:x/"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

}  // namespace
}  // namespace ketenflow::http
