// ketenflow goals: the goal tree of a chain with current values and trend.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "query/format.h"
#include "query/goal_query.h"
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
  std::string format = "table";
};

int run_goals(const GoalsArgs& args) {
  query::GoalQuery q;
  auto range = parse_day_range(args.from, args.to);
  if (!range) return fail(range.error());
  q.from = range->from;
  q.to = range->to;
  auto view = query::parse_view(args.view);
  if (!view) return fail("--view: " + view.error());
  q.view = *view;
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());
  auto today = today_or(args.today, query::local_today(*chain));
  if (!today) return fail(today.error());
  q.today = *today;
  auto tree = query::goal_tree(**store, *chain, q);
  if (!tree) return fail(tree.error());
  if (args.format == "json") {
    std::cout << query::to_json(*tree, true) << "\n";
  } else {
    std::cout << query::goal_table(*tree);
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
                  "First local day, YYYY-MM-DD (inclusive; default 365 days before --to)");
  cmd->add_option("--to", args->to, "Last local day, YYYY-MM-DD (exclusive; default today)");
  cmd->add_option("--view", args->view, "completion | cohort")
      ->capture_default_str()
      ->check(CLI::IsMember({"completion", "cohort"}));
  cmd->add_option("--today", args->today,
                  "Local day taken as today (default: the clock), YYYY-MM-DD");
  cmd->add_option("--format", args->format, "table | json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([args, &exit_code] { exit_code = run_goals(*args); });
}

}  // namespace ketenflow::cli
