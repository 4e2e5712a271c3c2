// Fuzz target: the report parameters of /v1/chains/{id}/kpis, /flow and
// /goals (read_report_params in engine/http/api.cc): the input is a query
// string, split and percent-decoded by the HTTP server's own parser
// (parse_target in engine/http/target.h), then read against a chain.
// Seeds: corpus/fuzz_report_query/.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_support.h"
#include "http/api.h"
#include "http/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto target =
      ketenflow::http::parse_target("/?" + std::string(reinterpret_cast<const char*>(data), size));
  if (!target) return 0;  // the server answers 400 before any handler runs
  ketenflow::http::ApiRequest request;
  request.route = "/v1/chains/{id}/kpis";
  request.path["id"] = ketenflow::fuzz::chain().def.id();
  for (const auto& [name, value] : target->params) request.query[name] = value;
  request.now_ms = 1'764'547'200'000;  // 2025-12-01T00:00:00Z
  ketenflow::query::KpiQuery query;
  const auto reply =
      ketenflow::http::read_report_params(ketenflow::fuzz::chain(), request, false, query);
  // A refusal is a JSON error body the client can read, whatever it sent.
  if (reply && !nlohmann::json::accept(reply->body)) {
    std::fprintf(stderr, "reply %d is not JSON: %s\n", reply->status, reply->body.c_str());
    std::abort();
  }
  return 0;
}
