#include "query/goal_query.h"

#include <string>
#include <vector>

#include "kpi/calendar.h"
#include "model/time.h"

namespace ketenflow::query {
namespace {

// Share change; for a duration measure without a norm the change of the mean
// in days. 0 when either period has no clients.
double trend(const v1::MeasureResult& current, const v1::MeasureResult& previous) {
  if (current.clients() == 0 || previous.clients() == 0) return 0;
  if (current.kind() == "duration" && current.norm_days() <= 0) {
    return (current.duration().mean_seconds() - previous.duration().mean_seconds()) / 86400.0;
  }
  return current.share() - previous.share();
}

v1::MeasureNode node(const std::vector<v1::MeasureResult>& current,
                     const std::vector<v1::MeasureResult>& previous, size_t measure) {
  v1::MeasureNode n;
  *n.mutable_current() = current[measure];
  *n.mutable_previous() = previous[measure];
  n.set_trend(trend(current[measure], previous[measure]));
  return n;
}

}  // namespace

Result<v1::GoalTree> goal_tree(const store::Store& store, const model::ChainModel& chain,
                               const GoalQuery& query) {
  return goal_tree(store_aggregates(store, chain.def.id()), chain, query);
}

Result<Compare> parse_compare(std::string_view text) {
  if (text.empty() || text == "previous") return Compare::kPrevious;
  if (text == "year") return Compare::kYear;
  return Error{"unknown comparison \"" + std::string(text) + "\" (expected previous or year)"};
}

namespace {

int32_t anchor_of(const std::optional<int32_t>& last, int32_t today) {
  return last && *last < today ? *last : today;
}

}  // namespace

Result<GoalPeriod> goal_period(const AggregateSource& source, const GoalQuery& query) {
  using kpi::Period;
  auto last = last_data_day(source);
  if (!last) return Error{last.error()};
  int32_t to = 0;
  std::string why;
  if (query.to) {
    to = *query.to;
  } else {
    if (query.today == INT32_MAX) return Error{"goal tree: give `to` or today"};
    const int32_t anchor = anchor_of(*last, query.today);
    to = anchor + 1;
    why = anchor < query.today ? "the day after the last data day" : "the day after today";
    if (query.whole_months) {
      const int32_t month_end = kpi::period_end(Period::kMonth, anchor);
      to = month_end <= query.today ? month_end : kpi::period_start(Period::kMonth, anchor);
      why = "the end of the last whole month up to the last data day";
    }
  }
  const int32_t from = query.from.value_or(kpi::year_before(to));
  if (from >= to) {
    return Error{"from " + model::format_day(from) + " must be before to " + model::format_day(to) +
                 (why.empty() ? "" : " (" + why + ")")};
  }
  return GoalPeriod{from, to, *last};
}

Result<v1::GoalTree> goal_tree(const AggregateSource& source, const model::ChainModel& chain,
                               const GoalQuery& query) {
  auto period = goal_period(source, query);
  if (!period) return Error{period.error()};
  const int32_t from = period->from;
  const int32_t to = period->to;
  int32_t previous_from = from - (to - from);
  int32_t previous_to = from;
  using kpi::Period;
  if (query.compare == Compare::kYear) {
    previous_from = kpi::year_before(from);
    previous_to = kpi::year_before(to);
  } else if (query.whole_months && kpi::period_start(Period::kMonth, from) == from &&
             kpi::period_start(Period::kMonth, to) == to) {
    previous_from = from;
    for (int32_t day = from; day < to; day = kpi::period_end(Period::kMonth, day)) {
      previous_from = kpi::period_start(Period::kMonth, previous_from - 1);
    }
  }

  MeasureDays days = measure_days(chain);
  BudgetPoll poll(query.budget);
  auto status = source.visit(INT32_MIN, to, [&](const AggregateEntry& e) -> Status {
    if (auto within = poll.tick(); !within) return within;
    if (store::is_empty_encoding(e.value)) return ok_status();
    auto added = add_measure_entry(days, chain, e);
    if (!added) return Error{added.error()};
    return ok_status();
  });
  if (!status) return Error{status.error()};

  const auto current = measure_results(chain, days, from, to, query.view, query.today);
  const auto previous =
      measure_results(chain, days, previous_from, previous_to, query.view, query.today);

  v1::GoalTree tree;
  tree.set_chain_id(chain.def.id());
  tree.set_from(model::format_day(from));
  tree.set_to(model::format_day(to));
  tree.set_previous_from(model::format_day(previous_from));
  tree.set_previous_to(model::format_day(previous_to));
  tree.set_compare(query.compare == Compare::kYear ? "year" : "previous");
  tree.set_view(std::string(view_name(query.view)));
  if (query.today != INT32_MAX) tree.set_today(model::format_day(query.today));
  if (period->last_data_day) tree.set_data_until(model::format_day(*period->last_data_day));
  for (const v1::Goal& goal : chain.def.goals()) {
    v1::GoalNode* g = tree.add_goals();
    g->set_id(goal.id());
    g->set_name(goal.name());
    for (const std::string& id : goal.measures()) {
      const int result = chain.measure(id);
      if (result < 0) continue;  // make_chain_model() refuses this
      v1::MeasureNode* m = g->add_measures();
      *m = node(current, previous, static_cast<size_t>(result));
      for (int i = 0; i < chain.def.measures_size(); ++i) {
        if (chain.def.measures(i).contributes_to() != id) continue;
        *m->add_contributions() = node(current, previous, static_cast<size_t>(i));
      }
    }
  }
  return tree;
}

}  // namespace ketenflow::query
