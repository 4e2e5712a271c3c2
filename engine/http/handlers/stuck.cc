// GET /v1/chains/{id}/stuck?stage=&overdue=true&out_of_view=&limit=&offset=: open visits,
// oldest first, a page of `limit` after `offset`, with the total. Operators see only clients their
// partner has reported on; every listed client is audited.
#include <algorithm>
#include <charconv>
#include <optional>

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
  if (auto it = request.query.find("out_of_view"); it != request.query.end()) {
    if (it->second != "true" && it->second != "false") {
      return bad_parameter("out_of_view", "true or false");
    }
    q.out_of_view = it->second == "true";
  }
  // A whole number in [low, high], or nullopt.
  const auto number = [&](const char* name, size_t low, size_t high) -> std::optional<size_t> {
    const std::string& text = request.query.at(name);
    size_t value = 0;
    const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (err != std::errc() || end != text.data() + text.size() || value < low || value > high) {
      return std::nullopt;
    }
    return value;
  };
  if (request.query.count("limit")) {
    const auto limit = number("limit", 1, 10000);
    if (!limit) return bad_parameter("limit", "a number from 1 to 10000");
    q.limit = *limit;
  }
  if (request.query.count("offset")) {
    const auto offset = number("offset", 0, 1000000);
    if (!offset) return bad_parameter("offset", "a number from 0 to 1000000");
    q.offset = *offset;
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
