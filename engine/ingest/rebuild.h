// Rebuild: recompute every projection (paths, KPIs, open visits) from the
// stored events. Its KPI output equals the incremental one (invariant 1);
// with new chain definitions it is also how a changed chain is applied,
// including which event attributes are kept.
#pragma once

#include <functional>
#include <vector>

#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::ingest {

struct RebuildResult {
  uint64_t events = 0;
  uint64_t clients = 0;
  // Events whose chain is no longer recorded (left out).
  uint64_t orphaned = 0;
  // Stored events rewritten without the attributes no where: of their chain
  // reads (ingest stores only those; this applies a changed chain, or cleans
  // a store built before that rule).
  uint64_t attributes_dropped = 0;
};

// `chains`: definitions that replace the recorded ones (others stay).
// `progress` is called with the number of events done so far.
Result<RebuildResult> rebuild(store::Store& store, std::vector<model::ChainModel> chains,
                              const std::function<void(uint64_t)>& progress);

}  // namespace ketenflow::ingest
