// Statistics of a summed aggregate: count and mean exact, min / max /
// percentiles from the histogram (within 1 %).
#pragma once

#include "ketenflow/v1/kpi.pb.h"
#include "store/aggregate.h"

namespace ketenflow::kpi {

v1::DurationStats duration_stats(const store::Aggregate& aggregate);

}  // namespace ketenflow::kpi
