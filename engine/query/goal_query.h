// The goal tree of a chain: its strategic goals (chain file `goals:`), the
// chain result measures under each, and the partner contribution measures
// that feed them (`contributes_to:`), each with its value over [from, to) and
// over the period it is compared with, for the trend: the period of equal
// length just before it, or the same days a year earlier.
#pragma once

#include <cstdint>
#include <optional>

#include "ketenflow/v1/kpi.pb.h"
#include "model/chain.h"
#include "model/result.h"
#include "query/aggregate_source.h"
#include "query/budget.h"
#include "query/measure_query.h"
#include "store/store.h"

namespace ketenflow::query {

// What the trend compares [from, to) with.
enum class Compare {
  kPrevious,  // [from - (to - from), from)
  kYear,      // [from, to) a year earlier
};

// "previous" | "year".
Result<Compare> parse_compare(std::string_view text);

struct GoalQuery {
  // Local days [from, to). `to` defaults to the day after the anchor day,
  // `from` to the same day a year before `to`. The anchor day is the same for
  // CLI, API and dashboard: the chain's last data day (last_data_day), or
  // today when the chain has no data or its data reaches today or later.
  std::optional<int32_t> from;
  std::optional<int32_t> to;
  View view = View::kCompletion;
  // The local day taken as today (local_today() or a fixed day); callers set it.
  int32_t today = INT32_MAX;
  // When set, the query stops with an error once it is spent.
  const Budget* budget = nullptr;
  // Whole months: `to` defaults to the end of the anchor day's month when that
  // month is over, else to its first day; and when from and to are first days
  // of months the previous period is as many whole months before `from`, not
  // as many days.
  bool whole_months = false;
  Compare compare = Compare::kPrevious;
};

// The goal tree's [from, to) after the defaults above, and the chain's last
// data day; an error naming the bounds when from is not before to.
struct GoalPeriod {
  int32_t from = 0;
  int32_t to = 0;
  std::optional<int32_t> last_data_day;
};
Result<GoalPeriod> goal_period(const AggregateSource& source, const GoalQuery& query);

Result<v1::GoalTree> goal_tree(const store::Store& store, const model::ChainModel& chain,
                               const GoalQuery& query);
// The same over any source of day aggregates.
Result<v1::GoalTree> goal_tree(const AggregateSource& source, const model::ChainModel& chain,
                               const GoalQuery& query);

}  // namespace ketenflow::query
