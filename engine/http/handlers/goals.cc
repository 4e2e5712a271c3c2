// GET /v1/chains/{id}/goals?from=&to=&view=&compare=previous|year: the chain's
// goal tree with each measure's value, norm, target and trend against the
// period before or the same days a year earlier.
#include "http/handlers/handlers.h"
#include "query/goal_query.h"

namespace ketenflow::http::handlers {
namespace {

void measure_rows(std::vector<nlohmann::ordered_json>& rows, const nlohmann::ordered_json& node,
                  const std::string& goal, const std::string& parent) {
  nlohmann::ordered_json row = {{"kind", "measure"}, {"goal", goal}, {"contributesTo", parent}};
  row["current"] = node.value("current", nlohmann::ordered_json::object());
  row["previous"] = node.value("previous", nlohmann::ordered_json::object());
  if (node.contains("trend")) row["trend"] = node["trend"];
  rows.push_back(std::move(row));
  const std::string id =
      node.value("current", nlohmann::ordered_json::object()).value("measure", "");
  for (const auto& child : node.value("contributions", nlohmann::ordered_json::array())) {
    measure_rows(rows, child, goal, id);
  }
}

}  // namespace

ApiReply goals(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  query::KpiQuery params;
  if (auto bad = read_report_query(context, *chain, request, params)) return *bad;
  query::GoalQuery q;
  q.from = params.from;
  q.to = params.to;
  q.view = params.view;
  q.today = params.today;
  q.budget = context.budget;
  if (auto compare = request.query.find("compare"); compare != request.query.end()) {
    auto parsed = query::parse_compare(compare->second);
    if (!parsed) return bad_parameter("compare", parsed.error());
    q.compare = *parsed;
  }
  // Analysts under calendar periods get whole months, the default period too.
  q.whole_months = request.caller.role == Role::kAnalyst && context.calendar_periods;
  const query::AggregateSource source = query::store_aggregates(context.store, chain->def.id());
  // A `from` after the default `to` is the caller's 400, not the server's 500
  // (found by tests/openapi, schemathesis).
  if (auto period = query::goal_period(source, q); !period) {
    return bad_parameter("from", period.error());
  }
  auto tree = query::goal_tree(source, *chain, q);
  if (!tree) return query_failed(context, tree.error());
  return report_reply(context, request, *tree, [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> rows;
    for (const auto& goal : json.value("goals", nlohmann::ordered_json::array())) {
      for (const auto& node : goal.value("measures", nlohmann::ordered_json::array())) {
        measure_rows(rows, node, goal.value("id", ""), "");
      }
    }
    return rows;
  });
}

}  // namespace ketenflow::http::handlers
