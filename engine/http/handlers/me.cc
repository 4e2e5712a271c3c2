// GET /v1/me: who the token belongs to, so the dashboard knows what to show.
#include "http/handlers/handlers.h"
#include "ketenflow/v1/api.pb.h"

namespace ketenflow::http::handlers {

ApiReply me(const ApiContext& context, const ApiRequest& request) {
  v1::Identity identity;
  identity.set_name(request.caller.name);
  identity.set_role(std::string(role_name(request.caller.role)));
  identity.set_partner(request.caller.partner);
  identity.set_k(context.k);
  return report_reply(context, request, identity, [](const nlohmann::ordered_json& json) {
    return std::vector<nlohmann::ordered_json>{json};
  });
}

}  // namespace ketenflow::http::handlers
