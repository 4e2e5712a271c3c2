// GET /v1/chains/{id}/stuck?stage=&overdue=true&limit=: open visits, oldest
// first. Operators see only clients their partner has reported on; every
// listed client is audited.
#include <algorithm>
#include <charconv>

#include "http/handlers/handlers.h"
#include "query/stuck_query.h"

namespace ketenflow::http::handlers {

ApiReply stuck(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  query::StuckQuery q;
  q.now_ms = request.now_ms;
  if (auto it = request.query.find("stage"); it != request.query.end() && !it->second.empty()) {
    if (chain->stage(it->second) < 0) {
      return bad_parameter("stage", "no stage \"" + it->second + "\" in chain " + chain->def.id());
    }
    q.stage = it->second;
  }
  if (auto it = request.query.find("overdue"); it != request.query.end()) {
    if (it->second != "true" && it->second != "false") {
      return bad_parameter("overdue", "true or false");
    }
    q.overdue_only = it->second == "true";
  }
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    size_t limit = 0;
    const auto [end, err] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), limit);
    if (err != std::errc() || end != it->second.data() + it->second.size() || limit < 1 ||
        limit > 10000) {
      return bad_parameter("limit", "a number from 1 to 10000");
    }
    q.limit = limit;
  }
  if (request.caller.role == Role::kOperator) {
    const std::string partner = request.caller.partner;
    q.client_filter = [partner](std::span<const v1::PathInput> events) {
      return std::any_of(events.begin(), events.end(),
                         [&](const v1::PathInput& e) { return e.partner_id() == partner; });
    };
  }
  q.budget = context.budget;
  auto list = query::stuck_list(context.store, *chain, q);
  if (!list) return query_failed(context, list.error());

  AuditEntry audit{request.now_ms, &request.caller, request.route, chain->def.id(), {}, 200};
  for (const auto& visit : list->visits()) audit.clients.push_back(visit.client_ref());
  if (auto written = context.audit.write(audit); !written) {
    return error_reply(500, "internal", written.error());
  }
  return report_reply(context, request, *list, [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> rows;
    append_rows(rows, json, "visits", "visit");
    return rows;
  });
}

}  // namespace ketenflow::http::handlers
