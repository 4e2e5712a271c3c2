// ketenflow path: one client's events and visits.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "query/format.h"
#include "query/path_query.h"
#include "store/chains.h"

namespace ketenflow::cli {
namespace {

struct PathArgs {
  std::string data;
  std::string chain;
  std::string client;
  std::string format = "table";
  bool ids = false;
};

int run_path(const PathArgs& args) {
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());
  auto path = query::client_path(**store, *chain, args.client);
  if (!path) return fail(path.error());
  std::cout << (args.format == "json" ? query::to_json(*path, true) + "\n"
                                      : query::path_table(*path, {&*chain, args.ids}));
  return 0;
}

}  // namespace

void add_path_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PathArgs>();
  CLI::App* cmd = app.add_subcommand("path", "One client's path: visits, transitions, events");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_option("--chain", args->chain, "Chain id")->required();
  cmd->add_option("--client", args->client, "The client's pseudonym (client_ref)")->required();
  cmd->add_option("--format", args->format, "table | json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("--ids", args->ids, "Tables: stage, milestone and partner ids instead of names");
  cmd->callback([args, &exit_code] { exit_code = run_path(*args); });
}

}  // namespace ketenflow::cli
