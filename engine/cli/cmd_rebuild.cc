// ketenflow rebuild: recompute paths and KPIs from the stored events.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "ingest/rebuild.h"
#include "model/chain_file.h"

namespace ketenflow::cli {
namespace {

struct RebuildArgs {
  std::string data;
  std::string chains;
};

int run_rebuild(const RebuildArgs& args) {
  std::vector<model::ChainModel> chains;
  if (!args.chains.empty()) {
    auto loaded = model::load_chains(args.chains);
    if (!loaded) return fail(loaded.error());
    chains = std::move(*loaded);
  }
  store::StoreOptions options;
  options.allow_incomplete = true;
  auto store = store::Store::open(args.data, options);
  if (!store) return fail(store.error());
  auto result = ingest::rebuild(**store, std::move(chains), [](uint64_t events) {
    if (events % 1'000'000 < 20'000) std::cerr << "ketenflow: rebuilt " << events << " events\n";
  });
  if (!result) return fail(result.error());
  std::cout << "rebuilt " << result->clients << " clients from " << result->events << " events";
  if (result->orphaned > 0) {
    std::cout << "; " << result->orphaned << " events of chains no longer defined were left out";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace

void add_rebuild_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RebuildArgs>();
  CLI::App* cmd = app.add_subcommand(
      "rebuild", "Recompute every path and KPI from the stored events (stop ingest first)");
  cmd->add_option("--data", args->data, "Store folder")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--chains", args->chains,
                  "New chain definitions to apply (file or folder); default: the recorded ones");
  cmd->callback([args, &exit_code] { exit_code = run_rebuild(*args); });
}

}  // namespace ketenflow::cli
