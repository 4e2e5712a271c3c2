// GET /v1/chains/{id}/clients/{ref}: one client's path. Operators read only
// clients their partner has reported on; any other ref is a 404, the same as
// for a client that does not exist. Every read is audited, refused ones too.
#include <algorithm>

#include "http/handlers/handlers.h"
#include "query/path_query.h"

namespace ketenflow::http::handlers {

ApiReply client(const ApiContext& context, const ApiRequest& request) {
  const model::ChainModel* chain = find_chain(context, request);
  if (chain == nullptr) return unknown_chain(request);
  const std::string& ref = request.path.at("ref");
  auto path = query::client_path(context.store, *chain, ref);

  ApiReply reply;
  // A client the operator's partner never reported on gets the answer of a
  // client that does not exist: the reply tells nothing of its existence.
  if (!path || (request.caller.role == Role::kOperator &&
                std::none_of(path->events().begin(), path->events().end(), [&](const auto& e) {
                  return e.event().partner_id() == request.caller.partner;
                }))) {
    reply = error_reply(404, "not_found", "no client with that ref in chain " + chain->def.id());
  } else {
    reply = report_reply(context, request, *path, [](const nlohmann::ordered_json& json) {
      std::vector<nlohmann::ordered_json> rows;
      for (const auto& item : json.value("events", nlohmann::ordered_json::array())) {
        nlohmann::ordered_json row = item.value("event", nlohmann::ordered_json::object());
        row["status"] = item.value("status", "");
        rows.push_back({{"kind", "event"}});
        rows.back().update(row);
      }
      append_rows(rows, json, "visits", "visit");
      append_rows(rows, json, "transitions", "transition");
      return rows;
    });
  }
  AuditEntry audit{request.now_ms,  &request.caller, request.route,
                   chain->def.id(), {ref},           reply.status};
  if (auto written = context.audit.write(audit); !written) {
    return error_reply(500, "internal", written.error());
  }
  return reply;
}

}  // namespace ketenflow::http::handlers
