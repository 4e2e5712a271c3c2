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
#include "store/store.h"

namespace ketenflow::query {

struct KpiQuery {
  // Local days, [from, to); unbounded when empty.
  std::optional<int32_t> from;
  std::optional<int32_t> to;
  std::optional<kpi::Period> by;
};

Result<v1::KpiReport> kpi_report(const store::Store& store, const model::ChainModel& chain,
                                 const KpiQuery& query);

}  // namespace ketenflow::query
