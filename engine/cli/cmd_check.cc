// ketenflow check: whether a store is intact (ingest/check.h).
#include <chrono>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "ingest/check.h"

namespace ketenflow::cli {
namespace {

struct CheckArgs {
  std::string data;
  bool quiet = false;
};

int run_check(const CheckArgs& args) {
  store::StoreOptions options;
  options.mode = store::StoreOptions::Mode::kReadOnly;
  options.paranoid = true;
  // One pass over everything: keep the block cache small.
  options.block_cache_bytes = size_t{32} << 20;
  auto store = store::Store::open(args.data, options);
  if (!store) return fail(store.error());

  auto last = std::chrono::steady_clock::now();
  const auto progress = [&](const ingest::CheckProgress& p) {
    if (args.quiet) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(5)) return;
    last = now;
    std::cerr << "ketenflow: check: " << p.step << " " << p.done;
    if (p.total > 0) std::cerr << " of " << p.total;
    std::cerr << "\n";
  };
  auto report = ingest::check_store(**store, progress);
  if (!report) return fail(report.error());
  const ingest::CheckReport& r = *report;
  const std::string summary =
      std::to_string(r.table_files) + " table files (" + std::to_string(r.table_bytes >> 20) +
      " MiB), " + std::to_string(r.events) + " events, " + std::to_string(r.event_ids) +
      " event ids, " + std::to_string(r.paths) + " client paths, " + std::to_string(r.kpi_keys) +
      " KPI aggregates, " + std::to_string(r.open_visits) + " open visits, " +
      std::to_string(r.rejects) + " rejects";
  if (!r.clean()) {
    for (const std::string& problem : r.problems) std::cerr << "ketenflow: " << problem << "\n";
    if (r.problem_count > r.problems.size()) {
      std::cerr << "ketenflow: … and " << (r.problem_count - r.problems.size()) << " more\n";
    }
    return fail("the store in " + args.data + " is damaged: " + std::to_string(r.problem_count) +
                " problems (read: " + summary + ")");
  }
  std::cout << args.data << ": ok: " << summary
            << "; checksums verified, counters, event ids, paths, KPIs and open visits agree\n";
  return 0;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Verify a store: file checksums, and that events, ids, paths and KPIs agree");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_flag("--quiet", args->quiet, "No progress lines");
  cmd->callback([args, &exit_code] { exit_code = run_check(*args); });
}

}  // namespace ketenflow::cli
