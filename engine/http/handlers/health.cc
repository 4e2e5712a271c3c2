// GET /healthz (the process answers) and GET /readyz (the store is open and
// the host is ready: with Kafka, partitions are assigned).
#include "http/handlers/handlers.h"

namespace ketenflow::http::handlers {

ApiReply healthz(const ApiContext&, const ApiRequest&) { return {200, "text/plain", "ok\n"}; }

ApiReply readyz(const ApiContext& context, const ApiRequest&) {
  const std::string why = context.host.not_ready ? context.host.not_ready() : "";
  if (!why.empty()) return {503, "text/plain", "not ready: " + why + "\n"};
  return {200, "text/plain", "ok\n"};
}

}  // namespace ketenflow::http::handlers
