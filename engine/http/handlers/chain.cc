// GET /v1/chains/{id}: one chain's definition (stages, milestones, partners,
// norms and, where the chain file has them, measures and goals).
#include "http/handlers/handlers.h"

namespace ketenflow::http::handlers {

ApiReply chain(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* found = find_chain(context, request);
  if (found == nullptr) return unknown_chain(request);
  return report_reply(context, request, found->def, [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> rows;
    for (const char* list : {"partners", "stages", "milestones", "norms"}) {
      append_rows(rows, json, list, std::string(list).substr(0, std::string(list).size() - 1));
    }
    return rows;
  });
}

}  // namespace ketenflow::http::handlers
