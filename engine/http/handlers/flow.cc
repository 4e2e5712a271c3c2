// GET /v1/chains/{id}/flow?from=&to=: stages and transitions for a flow map.
#include "http/handlers/handlers.h"
#include "query/flow_query.h"
#include "query/kpi_csv.h"

namespace ketenflow::http::handlers {

ApiReply flow(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  query::KpiQuery q;
  if (auto bad = read_report_query(context, *chain, request, q)) return *bad;
  q.budget = context.budget;
  auto report = query::flow_report(context.store, *chain, q);
  if (!report) return query_failed(context, report.error());
  return report_reply(context, request, *report, [chain](const nlohmann::ordered_json& json) {
    return query::kpi_rows(json, chain);
  });
}

}  // namespace ketenflow::http::handlers
