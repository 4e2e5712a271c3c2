// The data behind a flow map: a chain's stages and transitions over a period
// with counts, delay statistics and share within norm (the stage and
// transition part of a KPI report, same definitions).
#pragma once

#include "ketenflow/v1/api.pb.h"
#include "model/chain.h"
#include "model/result.h"
#include "query/kpi_query.h"
#include "store/store.h"

namespace ketenflow::query {

Result<v1::FlowReport> flow_report(const store::Store& store, const model::ChainModel& chain,
                                   const KpiQuery& query);

}  // namespace ketenflow::query
