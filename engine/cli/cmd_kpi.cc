// ketenflow kpi: flow KPIs of a chain over a period.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "model/time.h"
#include "query/format.h"
#include "query/kpi_query.h"
#include "store/chains.h"

namespace ketenflow::cli {
namespace {

struct KpiArgs {
  std::string data;
  std::string chain;
  std::string from;
  std::string to;
  std::string by;
  std::string format = "table";
};

int run_kpi(const KpiArgs& args) {
  query::KpiQuery q;
  if (!args.from.empty()) {
    auto day = model::parse_day(args.from);
    if (!day) return fail("--from: " + day.error());
    q.from = *day;
  }
  if (!args.to.empty()) {
    auto day = model::parse_day(args.to);
    if (!day) return fail("--to: " + day.error());
    q.to = *day;
  }
  if (!args.by.empty()) {
    auto period = kpi::parse_period(args.by);
    if (!period) return fail("--by: " + period.error());
    q.by = *period;
  }
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());
  auto report = query::kpi_report(**store, *chain, q);
  if (!report) return fail(report.error());
  if (args.format == "json") {
    std::cout << query::to_json(*report, true) << "\n";
  } else if (args.format == "csv") {
    std::cout << query::kpi_csv(*report);
  } else {
    std::cout << query::kpi_table(*report);
  }
  return 0;
}

}  // namespace

void add_kpi_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<KpiArgs>();
  CLI::App* cmd = app.add_subcommand("kpi", "Flow KPIs of a chain: stages, transitions, handovers");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_option("--chain", args->chain, "Chain id")->required();
  cmd->add_option("--from", args->from, "First local day, YYYY-MM-DD (inclusive)");
  cmd->add_option("--to", args->to, "Last local day, YYYY-MM-DD (exclusive)");
  cmd->add_option("--by", args->by, "Split into periods: day | week | month | quarter | year")
      ->check(CLI::IsMember({"day", "week", "month", "quarter", "year"}));
  cmd->add_option("--format", args->format, "table | json | csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->callback([args, &exit_code] { exit_code = run_kpi(*args); });
}

}  // namespace ketenflow::cli
