// ketenflow goals: the goal tree of a chain with current values and trend.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "query/format.h"
#include "query/goal_query.h"
#include "query/report_params.h"
#include "store/chains.h"

namespace ketenflow::cli {
namespace {

struct GoalsArgs {
  std::string data;
  std::string chain;
  std::string from;
  std::string to;
  std::string view = "completion";
  std::string today;
  std::string compare = "previous";
  std::string format = "table";
  bool ids = false;
};

int run_goals(const GoalsArgs& args) {
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());
  query::KpiQuery params;
  const query::ReportText text{args.from, args.to, "", args.view, "", args.today};
  if (auto bad = query::parse_report_text(text, *chain, query::local_today(*chain), params)) {
    return fail(query::option_name(bad->parameter) + ": " + bad->message);
  }
  query::GoalQuery q;
  q.from = params.from;
  q.to = params.to;
  q.view = params.view;
  q.today = params.today;
  q.compare = *query::parse_compare(args.compare);  // checked by the option
  auto tree = query::goal_tree(**store, *chain, q);
  if (!tree) return fail(tree.error());
  if (args.format == "json") {
    std::cout << query::to_json(*tree, true) << "\n";
  } else {
    std::cout << query::goal_table(*tree, {&*chain, args.ids});
  }
  return 0;
}

}  // namespace

void add_goals_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<GoalsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "goals", "Goal tree of a chain: goals, result measures, partner contributions, trend");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_option("--chain", args->chain, "Chain id")->required();
  cmd->add_option("--from", args->from,
                  "First local day, YYYY-MM-DD (inclusive; default the same day a year "
                  "before --to)");
  cmd->add_option("--to", args->to,
                  "Local day after the period, YYYY-MM-DD (exclusive; default the day after "
                  "the chain's last data day, or after today when the data reaches today; "
                  "the dashboard's presets count back from the same day)");
  cmd->add_option("--view", args->view, "completion | cohort")
      ->capture_default_str()
      ->check(CLI::IsMember({"completion", "cohort"}));
  cmd->add_option("--today", args->today,
                  "Local day taken as today (default: the clock), YYYY-MM-DD");
  cmd->add_option("--compare", args->compare,
                  "Trend against the period of equal length before (previous) or the same "
                  "days a year earlier (year)")
      ->capture_default_str()
      ->check(CLI::IsMember({"previous", "year"}));
  cmd->add_option("--format", args->format, "table | json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("--ids", args->ids, "Tables: stage, milestone and partner ids instead of names");
  cmd->callback([args, &exit_code] { exit_code = run_goals(*args); });
}

}  // namespace ketenflow::cli
