// The API's routes, one file each. Every handler is a plain function of
// (context, request) -> reply (http/api.h); routes.cc maps paths to them.
#pragma once

#include "http/api.h"

namespace ketenflow::http::handlers {

ApiReply me(const ApiContext& context, const ApiRequest& request);
ApiReply chains(const ApiContext& context, const ApiRequest& request);
ApiReply chain(const ApiContext& context, const ApiRequest& request);
ApiReply kpis(const ApiContext& context, const ApiRequest& request);
ApiReply flow(const ApiContext& context, const ApiRequest& request);
ApiReply stuck(const ApiContext& context, const ApiRequest& request);
ApiReply client(const ApiContext& context, const ApiRequest& request);
ApiReply goals(const ApiContext& context, const ApiRequest& request);
ApiReply dashboard(const ApiContext& context, const ApiRequest& request);
ApiReply metrics(const ApiContext& context, const ApiRequest& request);
ApiReply chain_metrics(const ApiContext& context, const ApiRequest& request);
ApiReply healthz(const ApiContext& context, const ApiRequest& request);
ApiReply readyz(const ApiContext& context, const ApiRequest& request);
ApiReply openapi(const ApiContext& context, const ApiRequest& request);
ApiReply oidc_config(const ApiContext& context, const ApiRequest& request);
ApiReply events(const ApiContext& context, const ApiRequest& request);

}  // namespace ketenflow::http::handlers
