// Measure results: sums a chain's per-day measure contributions (kpi/measures.h)
// into MeasureResults for [from, to), in the completion or the cohort view.
//
// Completion view ("terugkijk"): a client counts on the day its outcome was
// decided; outcomes that are only decided by a window ending (within: not
// reached in time; without: no relapse) count once that day is before today.
// Open clients (duration; all_before with a cohort milestone) are those that
// started before `to` and have not finished; overdue ones are past their norm
// (deadline day before today).
// Cohort view: a client counts on the day it started (the `from` milestone;
// all_before without `from`: the `before` milestone), open ones included in
// `clients`. A cohort day is provisional while its deadline day is not before
// today; `pending` counts the clients whose outcome can still change.
// Everything depends only on the aggregates and `today`, so equal event sets
// give equal results.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "ketenflow/v1/kpi.pb.h"
#include "model/chain.h"
#include "model/result.h"
#include "query/aggregate_source.h"
#include "store/aggregate.h"

namespace ketenflow::query {

enum class View { kCompletion, kCohort };

// Today's local day in the chain's time zone (the clock; tests pass a day).
int32_t local_today(const model::ChainModel& chain);

// "completion" | "cohort".
Result<View> parse_view(std::string_view text);
std::string_view view_name(View view);

// The measure aggregates of one chain, per measure (chain-file order) and day.
struct MeasureDay {
  store::Aggregate closed;
  store::Aggregate cohort;
  store::Aggregate open;
};
using MeasureDays = std::vector<std::map<int32_t, MeasureDay>>;

// Empty aggregates for every measure of `chain`.
MeasureDays measure_days(const model::ChainModel& chain);

// Adds `entry` when it is a measure entry (true), else leaves it (false).
// Entries of measures the chain no longer defines are skipped.
Result<bool> add_measure_entry(MeasureDays& days, const model::ChainModel& chain,
                               const AggregateEntry& entry);

// Every measure of the chain over the local days [from, to).
std::vector<v1::MeasureResult> measure_results(const model::ChainModel& chain,
                                               const MeasureDays& days, int32_t from, int32_t to,
                                               View view, int32_t today);

}  // namespace ketenflow::query
