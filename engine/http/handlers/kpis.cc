// GET /v1/chains/{id}/kpis?from=&to=&by=&view=&as_of=: the report `ketenflow kpi`
// prints (as_of replays the chain's events: see README).
#include "http/handlers/handlers.h"
#include "query/kpi_query.h"

namespace ketenflow::http::handlers {
namespace {

// Stages, transitions and handovers of one report, each row with its period.
void report_rows(std::vector<nlohmann::ordered_json>& rows, const nlohmann::ordered_json& report) {
  const size_t first = rows.size();
  append_rows(rows, report, "stages", "stage");
  append_rows(rows, report, "transitions", "transition");
  append_rows(rows, report, "partnerHandovers", "handover");
  append_rows(rows, report, "measures", "measure");
  for (const char* whole : {"caseDuration", "leadTime"}) {
    if (report.contains(whole)) rows.push_back({{"kind", whole}, {"duration", report[whole]}});
  }
  for (size_t i = first; i < rows.size(); ++i) {
    rows[i]["period"] = report.value("period", "");
    rows[i]["from"] = report.value("from", "");
    rows[i]["to"] = report.value("to", "");
  }
}

}  // namespace

ApiReply kpis(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  query::KpiQuery q;
  if (auto bad = read_report_query(context, *chain, request, q)) return *bad;
  q.budget = context.budget;
  auto report = query::kpi_report(context.store, *chain, q);
  if (!report) return query_failed(context, report.error());
  return report_reply(context, request, *report, [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> rows;
    const auto periods = json.value("periods", nlohmann::ordered_json::array());
    if (periods.empty()) report_rows(rows, json);
    for (const auto& period : periods) report_rows(rows, period);
    return rows;
  });
}

}  // namespace ketenflow::http::handlers
