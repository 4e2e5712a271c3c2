// The route table: which path pattern goes to which handler, its method, who
// may call it and which query parameters it takes. A new endpoint is a new file under
// handlers/ plus one line here.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.h"

namespace ketenflow::http {

struct Route {
  // Segments in braces match one path segment: "/v1/chains/{id}".
  std::string pattern;
  Handler handler;
  // Routes under /v1 need a token (all but /v1/oidc-config); `roles` are
  // the roles allowed (empty: all).
  bool needs_token = true;
  std::vector<Role> roles;
  std::vector<std::string> params;
  // Aggregate routes whose answers may be cached (reply_cache.h).
  bool cached = false;
  // Client-level routes: a read refused for the caller's role is audited too.
  bool audited = false;
  // Answers POST (with a body, up to ServerOptions::gateway_max_bytes)
  // instead of GET.
  bool post = false;
};

// Whether `role` may call `route`: one of its roles, or for a route without
// roles every reading role (not publishers, who only send events).
bool allowed(const Route& route, Role role);

const std::vector<Route>& routes();

// The route matching `path` and its {name} segments, or nullptr.
const Route* match_route(std::string_view path, std::map<std::string, std::string>& segments);

}  // namespace ketenflow::http
