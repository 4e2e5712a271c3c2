// GET /v1/chains: every chain the engine knows, with its definition.
#include "http/handlers/handlers.h"
#include "ketenflow/v1/api.pb.h"

namespace ketenflow::http::handlers {

ApiReply chains(const ApiContext& context, const ApiRequest& request) {
  v1::ChainList list;
  for (const model::ChainModel& chain : context.chains) *list.add_chains() = chain.def;
  return report_reply(context, request, list, [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> rows;
    for (const auto& chain : json.value("chains", nlohmann::ordered_json::array())) {
      nlohmann::ordered_json row = {{"id", chain.value("id", "")},
                                    {"name", chain.value("name", "")},
                                    {"timeZone", chain.value("timeZone", "")}};
      for (const char* list : {"stages", "partners"}) {
        std::string ids;
        for (const auto& item : chain.value(list, nlohmann::ordered_json::array())) {
          ids += (ids.empty() ? "" : " ") + item.value("id", "");
        }
        row[list] = ids;
      }
      rows.push_back(std::move(row));
    }
    return rows;
  });
}

}  // namespace ketenflow::http::handlers
