// GET /v1/oidc-config (public): whether the dashboard logs in with the
// organisation's OpenID Connect provider, and where: issuer, the dashboard's
// client id and the provider's authorization and token endpoints (from its
// discovery document). {"enabled": false} when serve runs without
// --oidc-issuer; 503 while the provider cannot be reached.
#include <nlohmann/json.hpp>

#include "http/handlers/handlers.h"

namespace ketenflow::http::handlers {

ApiReply oidc_config(const ApiContext& context, const ApiRequest& request) {
  if (context.oidc == nullptr) return {200, "application/json", R"({"enabled":false})"};
  auto provider = context.oidc->provider(request.now_ms);
  if (!provider) return error_reply(503, "oidc_unavailable", provider.error());
  const nlohmann::ordered_json out = {{"enabled", true},
                                      {"issuer", provider->issuer},
                                      {"client_id", provider->client_id},
                                      {"authorization_endpoint", provider->authorization_endpoint},
                                      {"token_endpoint", provider->token_endpoint},
                                      {"end_session_endpoint", provider->end_session_endpoint}};
  return {200, "application/json", out.dump()};
}

}  // namespace ketenflow::http::handlers
