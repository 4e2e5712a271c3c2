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
  std::string view = "completion";
  std::string today;
  std::string as_of;
  std::string format = "table";
};

int run_kpi(const KpiArgs& args) {
  query::KpiQuery q;
  auto range = parse_day_range(args.from, args.to);
  if (!range) return fail(range.error());
  q.from = range->from;
  q.to = range->to;
  if (!args.by.empty()) {
    auto period = kpi::parse_period(args.by);
    if (!period) return fail("--by: " + period.error());
    q.by = *period;
  }
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());
  auto view = query::parse_view(args.view);
  if (!view) return fail("--view: " + view.error());
  q.view = *view;
  q.today = query::local_today(*chain);
  if (!args.as_of.empty()) {
    auto instant = model::parse_instant(args.as_of, chain->zone);
    if (!instant) {
      return fail("--as-of: " + instant.error() +
                  "; want an RFC 3339 instant such as 2024-03-31T18:00:00Z");
    }
    q.as_of_ms = *instant;
    // The report as it was made then: "today" was the as-of day.
    q.today = model::local_day(*instant, chain->zone);
  }
  auto today = today_or(args.today, q.today);
  if (!today) return fail(today.error());
  q.today = *today;
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
  cmd->callback([args, &exit_code] { exit_code = run_kpi(*args); });
}

}  // namespace ketenflow::cli
