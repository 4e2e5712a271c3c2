// ketenflow kpi: flow KPIs of a chain over a period.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "query/format.h"
#include "query/kpi_csv.h"
#include "query/kpi_query.h"
#include "query/report_params.h"
#include "store/chains.h"

namespace ketenflow::cli {
namespace {

struct KpiArgs {
  std::string data;
  std::string chain;
  std::string from;
  std::string to;
  std::string by;
  std::string view = "completion";
  std::string today;
  std::string as_of;
  std::string format = "table";
  bool ids = false;
};

int run_kpi(const KpiArgs& args) {
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());
  query::KpiQuery q;
  const query::ReportText text{args.from, args.to, args.by, args.view, args.as_of, args.today};
  auto bad = query::parse_report_text(text, *chain, query::local_today(*chain), q);
  if (!bad) bad = query::check_report_size(query::store_aggregates(**store, chain->def.id()), q);
  if (bad) return fail(query::option_name(bad->parameter) + ": " + bad->message);
  auto report = query::kpi_report(**store, *chain, q);
  if (!report) return fail(report.error());
  if (args.format == "json") {
    std::cout << query::to_json(*report, true) << "\n";
  } else if (args.format == "csv") {
    std::cout << query::kpi_csv(*report, &*chain);
  } else {
    std::cout << query::kpi_table(*report, {&*chain, args.ids});
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
  cmd->add_option("--view", args->view,
                  "Chain measures by the day the outcome was decided (completion) or the day "
                  "the client started (cohort)")
      ->capture_default_str()
      ->check(CLI::IsMember({"completion", "cohort"}));
  cmd->add_option("--today", args->today,
                  "Local day taken as today for open, overdue and provisional (default: the "
                  "clock), YYYY-MM-DD");
  cmd->add_option("--as-of", args->as_of,
                  "Report as of this instant (RFC 3339): only events the engine had stored by "
                  "then count; replays the chain's events");
  cmd->add_option("--format", args->format, "table | json | csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->add_flag("--ids", args->ids, "Tables: stage, milestone and partner ids instead of names");
  cmd->callback([args, &exit_code] { exit_code = run_kpi(*args); });
}

}  // namespace ketenflow::cli
