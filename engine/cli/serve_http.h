// serve's options for the HTTP server's limits and TLS (http/server.h
// ServerOptions): head deadline, request budget, connections per client,
// certificate and key; and for login with an OpenID Connect provider
// (http/oidc.h OidcOptions).
#pragma once

#include <CLI/CLI.hpp>

#include "http/server.h"

namespace ketenflow::cli {

void add_http_limit_options(CLI::App* serve, http::ServerOptions& options);
void add_oidc_options(CLI::App* serve, http::OidcOptions& options);

}  // namespace ketenflow::cli
