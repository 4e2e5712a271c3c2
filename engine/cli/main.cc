// ketenflow: client paths and flow KPIs for public-sector chains.
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ketenflow: rebuilds each client's path through a chain from partner events and derives "
      "throughput and handover-delay KPIs."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ketenflow 0.1.0");
  int exit_code = 0;
  ketenflow::cli::add_ingest_command(app, exit_code);
  ketenflow::cli::add_topics_command(app, exit_code);
  ketenflow::cli::add_publish_command(app, exit_code);
  ketenflow::cli::add_serve_command(app, exit_code);
  ketenflow::cli::add_gateway_command(app, exit_code);
  ketenflow::cli::add_tokens_command(app, exit_code);
  ketenflow::cli::add_kpi_command(app, exit_code);
  ketenflow::cli::add_goals_command(app, exit_code);
  ketenflow::cli::add_path_command(app, exit_code);
  ketenflow::cli::add_status_command(app, exit_code);
  ketenflow::cli::add_rejects_command(app, exit_code);
  ketenflow::cli::add_rebuild_command(app, exit_code);
  ketenflow::cli::add_check_command(app, exit_code);
  ketenflow::cli::add_chains_command(app, exit_code);
  ketenflow::cli::add_simulate_command(app, exit_code);
  ketenflow::cli::add_export_command(app, exit_code);
  const auto known = [&](const std::string& name) {
    return !app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); }).empty();
  };
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    std::cerr << "ketenflow: unknown command \"" << argv[1] << "\" (see ketenflow --help)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ketenflow: " << e.what() << " (see ketenflow --help)\n";
    return 2;
  }
  return exit_code;
}
