// serve's options for the HTTP server's limits and TLS (http/server.h
// ServerOptions): head deadline, request budget, connections per client,
// certificate and key.
#pragma once

#include <CLI/CLI.hpp>

#include "http/server.h"

namespace ketenflow::cli {

void add_http_limit_options(CLI::App* serve, http::ServerOptions& options);

}  // namespace ketenflow::cli
