// GET /v1/openapi.json: the OpenAPI 3.1 description of every route
// (api/openapi.json, compiled into the binary). No token: it says nothing of
// the data.
#include "http/assets.h"
#include "http/handlers/handlers.h"

namespace ketenflow::http::handlers {

ApiReply openapi(const ApiContext&, const ApiRequest&) {
  for (const Asset& asset : api_assets()) {
    if (asset.name == "openapi.json") return {200, "application/json", std::string(asset.bytes)};
  }
  return error_reply(500, "internal", "the binary holds no api/openapi.json");
}

}  // namespace ketenflow::http::handlers
