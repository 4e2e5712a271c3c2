// How a CLI command plugs into the `ketenflow` binary: each command lives in
// its own cmd_*.cc file and exposes one add_*_command() that registers a
// CLI11 subcommand. The callback stores the command's exit code in `exit_code`.
// Commands print results to stdout and problems to stderr as one line
// starting with "ketenflow: ".
#pragma once

#include <CLI/CLI.hpp>

namespace ketenflow::cli {

void add_chains_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_ingest_command(CLI::App& app, int& exit_code);
void add_kpi_command(CLI::App& app, int& exit_code);
void add_goals_command(CLI::App& app, int& exit_code);
void add_path_command(CLI::App& app, int& exit_code);
void add_rebuild_command(CLI::App& app, int& exit_code);
void add_rejects_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_topics_command(CLI::App& app, int& exit_code);
void add_publish_command(CLI::App& app, int& exit_code);
void add_export_command(CLI::App& app, int& exit_code);
void add_tokens_command(CLI::App& app, int& exit_code);
void add_gateway_command(CLI::App& app, int& exit_code);

// Prints "ketenflow: <message>" to stderr and returns 1.
int fail(const std::string& message);

}  // namespace ketenflow::cli
