// GET /v1/chains/{id}/kpis?from=&to=&by=&view=&as_of=: the report `ketenflow kpi`
// prints (as_of replays the chain's events: see README).
#include "http/handlers/handlers.h"
#include "query/kpi_csv.h"
#include "query/kpi_query.h"

namespace ketenflow::http::handlers {
ApiReply kpis(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  query::KpiQuery q;
  if (auto bad = read_report_query(context, *chain, request, q)) return *bad;
  q.budget = context.budget;
  auto report = query::kpi_report(context.store, *chain, q);
  if (!report) return query_failed(context, report.error());
  return report_reply(context, request, *report, [chain](const nlohmann::ordered_json& json) {
    return query::kpi_rows(json, chain);
  });
}

}  // namespace ketenflow::http::handlers
