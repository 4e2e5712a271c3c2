// Chain measures per client (README "KPI definitions"): what one client's path
// adds to each measure of the chain file, as KPI contributions. A pure
// function of the client's effective events — no "now" — so measures keep
// retract-and-reapply and order freedom. Time-dependent answers (open clients
// past their norm, cohort days whose window has not passed) are decided at
// query time from the day each contribution is kept on (deadline_day).
//
// Per measure and client, with A the `from` event (first or last occurrence
// matching `where`) and B / C / R the `to` event after it:
//   duration   B found: kMeasureClosed on B's day and kMeasureCohort on A's
//              day, value B - A, met = within the norm; no B: kMeasureOpen on
//              A's day.
//   within     met when B comes within `days` of A: kMeasureClosed on B's day;
//              else failed, kMeasureClosed on the day the window ends.
//              kMeasureCohort on A's day either way.
//   without    failed when C comes within `days` after A: kMeasureClosed on
//              C's day; else met, kMeasureClosed on the day the window ends.
//              kMeasureCohort on A's day either way.
//   all_before R found: met when every listed milestone occurred before R;
//              kMeasureClosed on R's day, kMeasureCohort on the `from` day (or
//              R's). With `from` and no R yet: kMeasureOpen on the `from` day.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ketenflow/v1/store.pb.h"
#include "kpi/contributions.h"
#include "model/chain.h"
#include "path/path.h"

namespace ketenflow::kpi {

// Appends the measure contributions of one client to `out`.
void add_measure_contributions(const model::ChainModel& chain, const path::Path& path,
                               std::span<const v1::PathInput> events,
                               std::vector<Contribution>& out);

// The last day of the norm / window of measure `measure` started on `day`:
// day + days (rounded up) in calendar days, or `days` working days later.
// A client is overdue, and a cohort day final, once today is after it.
int32_t deadline_day(const model::ChainModel& chain, int measure, int32_t day);

}  // namespace ketenflow::kpi
