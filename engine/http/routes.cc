#include "http/routes.h"

#include "http/handlers/handlers.h"

namespace ketenflow::http {
namespace {

constexpr Role kOperator = Role::kOperator;
constexpr Role kAdmin = Role::kAdmin;
constexpr Role kPublisher = Role::kPublisher;

std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

const std::vector<Route>& routes() {
  using namespace handlers;
  static const std::vector<Route> kRoutes = {
      {"/v1/openapi.json", openapi, false, {}, {}},
      {"/v1/me", me, true, {}, {"format"}},
      {"/v1/chains", chains, true, {}, {"format"}},
      {"/v1/chains/{id}", chain, true, {}, {"format"}},
      {"/v1/chains/{id}/kpis",
       kpis,
       true,
       {},
       {"from", "to", "by", "view", "as_of", "format"},
       true},
      {"/v1/chains/{id}/flow", flow, true, {}, {"from", "to", "format"}, true},
      {"/v1/chains/{id}/goals", goals, true, {}, {"from", "to", "view", "compare", "format"}, true},
      {"/v1/chains/{id}/stuck",
       stuck,
       true,
       {kOperator, kAdmin},
       {"stage", "overdue", "out_of_view", "limit", "offset", "format"},
       false,
       true},
      {"/v1/chains/{id}/clients/{ref}", client, true, {kOperator, kAdmin}, {"format"}, false, true},
      {"/v1/metrics", chain_metrics, true, {kOperator, kAdmin}, {}},
      // The HTTP gateway for partner systems (issue 14).
      {"/v1/events", events, true, {kPublisher}, {}, false, false, true},
      // Public: the dashboard asks it before it has a token.
      {"/v1/oidc-config", oidc_config, false, {}, {}},
      {"/metrics", metrics, false, {}, {}},
      {"/healthz", healthz, false, {}, {}},
      {"/readyz", readyz, false, {}, {}},
      {"/", dashboard, false, {}, {}},
      {"/{file}", dashboard, false, {}, {}},
  };
  return kRoutes;
}

bool allowed(const Route& route, Role role) {
  if (route.roles.empty()) return role != Role::kPublisher;
  for (Role r : route.roles) {
    if (r == role) return true;
  }
  return false;
}

const Route* match_route(std::string_view path, std::map<std::string, std::string>& segments) {
  // The patterns split once; views into the static route table.
  static const std::vector<std::vector<std::string_view>> kPatterns = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const Route& route : routes()) out.push_back(segments_of(route.pattern));
    return out;
  }();
  const auto parts = segments_of(path);
  for (size_t r = 0; r < routes().size(); ++r) {
    const Route& route = routes()[r];
    const auto& pattern = kPatterns[r];
    if (pattern.size() != parts.size()) continue;
    segments.clear();
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string_view p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        ok = !parts[i].empty();
        segments[std::string(p.substr(1, p.size() - 2))] = std::string(parts[i]);
      } else {
        ok = p == parts[i];
      }
    }
    if (ok) return &route;
  }
  return nullptr;
}

}  // namespace ketenflow::http
