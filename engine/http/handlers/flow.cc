// GET /v1/chains/{id}/flow?from=&to=: stages and transitions for a flow map.
#include "http/handlers/handlers.h"
#include "query/flow_query.h"

namespace ketenflow::http::handlers {

ApiReply flow(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  query::KpiQuery q;
  if (auto bad = read_report_query(context, *chain, request, q)) return *bad;
  q.budget = context.budget;
  auto report = query::flow_report(context.store, *chain, q);
  if (!report) return query_failed(context, report.error());
  return report_reply(context, request, *report, [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> rows;
    append_rows(rows, json, "stages", "stage");
    append_rows(rows, json, "transitions", "transition");
    return rows;
  });
}

}  // namespace ketenflow::http::handlers
