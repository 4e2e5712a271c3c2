// KPI queries: sums the per-day aggregates of a chain over [from, to) into a
// KpiReport, optionally split by day, ISO week, month, quarter or year.
//
// The report is deterministic: stages in chain order (rank, then id),
// transitions by their stages' order, partner handovers by partner ids.
// Work in progress is the number of open visits at the end of each period
// (entries minus exits of all days before it).
#pragma once

#include <cstdint>
#include <optional>

#include "ketenflow/v1/kpi.pb.h"
#include "kpi/calendar.h"
#include "model/chain.h"
#include "model/result.h"
#include "query/aggregate_source.h"
#include "query/budget.h"
#include "query/measure_query.h"
#include "store/store.h"

namespace ketenflow::query {

struct KpiQuery {
  // Local days, [from, to); unbounded when empty.
  std::optional<int32_t> from;
  std::optional<int32_t> to;
  std::optional<kpi::Period> by;
  // Chain measures (query/measure_query.h): which day a client counts on, and
  // the local day taken as today (callers pass local_today() or a fixed day).
  View view = View::kCompletion;
  int32_t today = INT32_MAX;
  // As-of report: only the events stored at or before this instant (ms since
  // the epoch) count; the chain's events are replayed (query/as_of.h).
  std::optional<int64_t> as_of_ms = std::nullopt;
  // When set, the query stops with an error once it is spent.
  const Budget* budget = nullptr;
};

// Most periods one report lists (`by`): 13 years by day.
inline constexpr int64_t kMaxPeriods = 5000;

// The days [first, last] a report over `query` lists periods for: `from` and
// `to` clamped to the chain's data days (`to` no earlier than query.today),
// and without them the first and last day with data in the range. nullopt:
// no periods.
struct PeriodSpan {
  int32_t first = 0;
  int32_t last = 0;
};
std::optional<PeriodSpan> period_span(const KpiQuery& query, const DataDays& chain_days,
                                      const DataDays& range_days);
// How many periods of `by` the span holds, counted up to kMaxPeriods + 1.
int64_t period_count(kpi::Period by, const PeriodSpan& span);
// The error for a report of more than kMaxPeriods periods, else empty.
std::string too_many_periods(const KpiQuery& query, const std::optional<DataDays>& chain_days);

// From the store's kpi family, or with `as_of_ms` from a replay of its events.
Result<v1::KpiReport> kpi_report(const store::Store& store, const model::ChainModel& chain,
                                 const KpiQuery& query);
// The same over any source of day aggregates.
Result<v1::KpiReport> kpi_report(const AggregateSource& source, const model::ChainModel& chain,
                                 const KpiQuery& query);

}  // namespace ketenflow::query
