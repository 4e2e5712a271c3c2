// What every route handler sees and returns (engine/http/handlers/, one file
// per route). Handlers are plain functions of (context, request) -> reply;
// they know nothing of the HTTP library, so they are tested without sockets.
//
// Handlers run on the server's worker threads, concurrently with each other
// and with ingest: everything in ApiContext is safe for concurrent reads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include "http/audit.h"
#include "http/gateway.h"
#include "http/oidc.h"
#include "http/probe.h"
#include "http/rate_limit.h"
#include "http/tokens.h"
#include "model/chain.h"
#include "model/result.h"
#include "query/budget.h"
#include "query/kpi_query.h"
#include "store/store.h"

namespace ketenflow::http {

// What the process around the server tells it (serve's Kafka consumer).
struct HostProbe {
  // Prometheus text lines appended to /metrics.
  std::function<std::string()> metrics;
  // Empty when ready, else why not (for /readyz).
  std::function<std::string()> not_ready;
};

struct ApiContext {
  const store::Store& store;
  const std::vector<model::ChainModel>& chains;
  AuditLog& audit;
  const HostProbe& host;
  const ServerProbe& probe;
  // Analysts see counts below k as "<k" (disclosure.h), rounded to multiples
  // of `round` when it is above 1, and with `calendar_periods` only reports
  // over whole calendar months (read_report_query).
  uint32_t k = 10;
  // The request's time budget and its client's presence; queries poll it.
  const query::Budget* budget = nullptr;
  uint32_t round = 0;
  bool calendar_periods = false;
  // The OpenID Connect provider's verifier; null when OIDC is off.
  OidcVerifier* oidc = nullptr;
  // POST /v1/events (issue 14): where events go, null when the gateway is
  // off; the per-token rate limit and the events one request may hold.
  EventGateway* gateway = nullptr;
  RateLimiter* rate_limiter = nullptr;
  size_t max_events = kDefaultMaxEvents;
};

struct ApiRequest {
  std::string route;                         // the route pattern, e.g. "/v1/chains/{id}/kpis"
  std::map<std::string, std::string> path;   // {id}, {ref}
  std::map<std::string, std::string> query;  // ?from=...
  Caller caller;
  int64_t now_ms = 0;
  // POST routes: the body and its Content-Type.
  std::string body = {};
  std::string content_type = {};
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra response headers (Retry-After).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

using Handler = std::function<ApiReply(const ApiContext&, const ApiRequest&)>;

// An ApiError JSON reply. `parameter` names the query parameter at fault.
ApiReply error_reply(int status, const std::string& code, const std::string& message,
                     const std::string& parameter = "");

// The reply for a report: protobuf JSON mapping, suppressed for analysts, or
// with ?format=csv the rows that `rows` picks out of the JSON as CSV
// (query/csv_table.h: header row, nested fields flattened with '.', cells
// hidden from analysts empty and named in `suppressed`). 400 for an unknown
// format.
using CsvRows = std::function<std::vector<nlohmann::ordered_json>(const nlohmann::ordered_json&)>;
ApiReply report_reply(const ApiContext& context, const ApiRequest& request,
                      const google::protobuf::Message& report, const CsvRows& rows);

// The chain named by {id}, or the 404 reply.
const model::ChainModel* find_chain(const ApiContext& context, const ApiRequest& request);
ApiReply unknown_chain(const ApiRequest& request);

// The reply for a query that failed with `error`: 503 with the budget's
// reason when the request's budget is spent (code over_budget or
// client_gone), else 500.
ApiReply query_failed(const ApiContext& context, const std::string& error);

// The 400 reply naming the query parameter at fault.
ApiReply bad_parameter(const std::string& parameter, const std::string& message);

// Fills `out` from the report parameters a route accepts (query/report_params.h,
// shared with the command line): ?from=&to= (local days, `to` exclusive),
// ?by=, ?view=, ?as_of= (RFC 3339); "today" is the chain's local day of the
// request, or of as_of. The 400 reply when a value is bad, when `by` would
// list more than query::kMaxPeriods periods, or, for analysts with
// calendar_periods, when from/to are not the first day of a month or as_of is
// given.
std::optional<ApiReply> read_report_query(const ApiContext& context, const model::ChainModel& chain,
                                          const ApiRequest& request, query::KpiQuery& out);
// The parameters alone (no store): what read_report_query checks before the
// report's size.
std::optional<ApiReply> read_report_params(const model::ChainModel& chain,
                                           const ApiRequest& request, bool calendar_periods,
                                           query::KpiQuery& out);

// One row per element of `json[key]`, each with a first column "kind".
void append_rows(std::vector<nlohmann::ordered_json>& rows, const nlohmann::ordered_json& json,
                 const std::string& key, const std::string& kind);

}  // namespace ketenflow::http
