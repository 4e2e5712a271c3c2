// The tidy KPI table: one layout for `ketenflow kpi --format csv` and the
// API's kpis and flow routes with ?format=csv (README "KPI output").
//
// One row per stage, transition, partner handover, measure, case duration and
// lead time: first those of the whole report (period "total"), then those of
// each period of a report with `by`. Every row has every column, in this
// order (empty where a column does not apply to the row's kind):
//   kind            stage | transition | handover | measure | case_duration | lead_time
//   period          "total" or the period's label (2024-03, 2024-W05 ...)
//   period_start    first local day (ISO), empty when unbounded
//   period_end      the day after the last (exclusive), empty when unbounded
//   stage, stage_name                 a stage row's stage
//   from_stage, from_stage_name, to_stage, to_stage_name      a transition
//   from_partner, from_partner_name, to_partner, to_partner_name  a handover
//   measure, measure_name, measure_kind, partner, partner_name, view  a measure
//   entries, exits, reentries, wip    a stage's counts
//   count                             measured durations (visits, transitions,
//                                     handovers, clients)
//   mean_days, min_days, max_days, p50_days, p80_days, p90_days, p95_days
//   norm_days, working_days, within_norm, within_norm_share     a norm
//   clients, met, share, open, overdue, pending, provisional, target  a measure
//   suppressed                        (csv_table.h)
// Durations are in days (fractional). Names come from the chain (ids when it
// does not name them).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ketenflow/v1/kpi.pb.h"
#include "model/chain.h"
#include "query/csv_table.h"

namespace ketenflow::query {

// The rows of a KpiReport or FlowReport in its protobuf JSON mapping (after
// disclosure control, or not); `chain` may be null (ids stand for names).
JsonRows kpi_rows(const nlohmann::ordered_json& report, const model::ChainModel* chain);

// The CSV of an exact report (the CLI).
std::string kpi_csv(const v1::KpiReport& report, const model::ChainModel* chain);

}  // namespace ketenflow::query
