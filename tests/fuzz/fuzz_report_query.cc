// Fuzz target: the report parameters of /v1/chains/{id}/kpis, /flow and
// /goals (read_report_params in engine/http/api.cc): the input is a query
// string, split and percent-decoded as the HTTP server does (cpp-httplib),
// then read against a chain. Seeds: corpus/fuzz_report_query/.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_support.h"
#include "http/api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  httplib::Params params;
  httplib::detail::parse_query_text(text, params);
  ketenflow::http::ApiRequest request;
  request.route = "/v1/chains/{id}/kpis";
  request.path["id"] = ketenflow::fuzz::chain().def.id();
  for (const auto& [name, value] : params) request.query[name] = value;
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
