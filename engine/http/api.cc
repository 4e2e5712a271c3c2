#include "http/api.h"

#include "http/disclosure.h"
#include "ingest/validate.h"
#include "ketenflow/v1/api.pb.h"
#include "kpi/calendar.h"
#include "model/time.h"
#include "query/csv_table.h"
#include "query/format.h"
#include "query/measure_query.h"
#include "query/report_params.h"

namespace ketenflow::http {

ApiReply error_reply(int status, const std::string& code, const std::string& message,
                     const std::string& parameter) {
  v1::ApiError error;
  error.set_status(static_cast<uint32_t>(status));
  error.set_code(code);
  // The message often quotes what the client sent, which need not be UTF-8:
  // invalid bytes become U+FFFD so the body stays JSON (found by
  // tests/fuzz/fuzz_report_query).
  error.set_parameter(ingest::to_valid_utf8(parameter));
  error.set_message(ingest::to_valid_utf8(message));
  return {status, "application/json", query::to_json(error, false) + "\n"};
}

ApiReply query_failed(const ApiContext& context, const std::string& error) {
  if (context.budget != nullptr) {
    if (auto spent = context.budget->spent()) {
      return error_reply(
          503, spent->why == query::Budget::Why::kCallerGone ? "client_gone" : "over_budget",
          spent->message);
    }
  }
  return error_reply(500, "internal", error);
}

ApiReply bad_parameter(const std::string& parameter, const std::string& message) {
  return error_reply(400, "bad_parameter", parameter + ": " + message, parameter);
}

ApiReply report_reply(const ApiContext& context, const ApiRequest& request,
                      const google::protobuf::Message& report, const CsvRows& rows) {
  auto format = request.query.find("format");
  const std::string wanted = format == request.query.end() ? "json" : format->second;
  if (wanted != "json" && wanted != "csv") return bad_parameter("format", "json or csv");
  const bool analyst = request.caller.role == Role::kAnalyst;
  if (wanted == "json" && !analyst) return {200, "application/json", query::to_json(report, false)};
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(query::to_json(report, false));
  if (!analyst) return {200, "text/csv; charset=utf-8", query::csv_table(rows(json))};
  // Cells that disclosure hides are compared with the exact report's (csv_table.h).
  query::JsonRows exact;
  if (wanted == "csv") exact = rows(json);
  disclose(json, DisclosurePolicy{context.k, context.round});
  if (wanted == "csv")
    return {200, "text/csv; charset=utf-8", query::csv_table(rows(json), &exact)};
  return {200, "application/json", json.dump()};
}

const model::ChainModel* find_chain(const ApiContext& context, const ApiRequest& request) {
  auto id = request.path.find("id");
  if (id == request.path.end()) return nullptr;
  for (const model::ChainModel& chain : context.chains) {
    if (chain.def.id() == id->second) return &chain;
  }
  return nullptr;
}

ApiReply unknown_chain(const ApiRequest& request) {
  auto id = request.path.find("id");
  return error_reply(404, "not_found",
                     "no chain \"" + (id == request.path.end() ? "" : id->second) + "\"");
}

std::optional<ApiReply> read_report_params(const model::ChainModel& chain,
                                           const ApiRequest& request, bool calendar_periods,
                                           query::KpiQuery& out) {
  const auto given = [&](const char* name) {
    auto it = request.query.find(name);
    return it == request.query.end() ? std::string() : it->second;
  };
  query::ReportText text;
  text.from = given("from");
  text.to = given("to");
  text.by = given("by");
  text.view = given("view");
  text.as_of = given("as_of");
  auto bad =
      query::parse_report_text(text, chain, model::local_day(request.now_ms, chain.zone), out);
  if (!bad && request.caller.role == Role::kAnalyst && calendar_periods) {
    bad = query::check_calendar_periods(out);
  }
  if (bad) return bad_parameter(bad->parameter, bad->message);
  return std::nullopt;
}

std::optional<ApiReply> read_report_query(const ApiContext& context, const model::ChainModel& chain,
                                          const ApiRequest& request, query::KpiQuery& out) {
  if (auto bad = read_report_params(chain, request, context.calendar_periods, out)) return bad;
  if (auto bad =
          query::check_report_size(query::store_aggregates(context.store, chain.def.id()), out)) {
    return bad_parameter(bad->parameter, bad->message);
  }
  return std::nullopt;
}

void append_rows(std::vector<nlohmann::ordered_json>& rows, const nlohmann::ordered_json& json,
                 const std::string& key, const std::string& kind) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_array()) return;
  for (const auto& item : *it) {
    nlohmann::ordered_json row = {{"kind", kind}};
    if (item.is_object()) {
      row.update(item);
    } else {
      row["value"] = item;
    }
    rows.push_back(std::move(row));
  }
}

}  // namespace ketenflow::http
