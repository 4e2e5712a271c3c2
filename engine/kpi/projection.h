// Projection of a client's event set onto the KPI and open-visit families.
//
// When a client's events change from `before` to `after`, the KPI delta is
// contributions(after) - contributions(before): identical contributions cancel
// out, so only what really changed is written. Deltas of many clients are
// collected in one ProjectionDelta and written with the batch. No state of
// its own; any thread.
#pragma once

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <rocksdb/write_batch.h>

#include "ketenflow/v1/event.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "model/chain.h"
#include "store/aggregate.h"
#include "store/store.h"

namespace ketenflow::kpi {

struct ProjectionDelta {
  // kpi key -> aggregate delta
  std::unordered_map<std::string, store::Aggregate> kpi;
  std::vector<std::string> wip_removed;
  std::vector<std::string> wip_added;
};

void project_client_change(const model::ChainModel& chain, const std::string& client,
                           std::span<const v1::PathInput> before,
                           std::span<const v1::PathInput> after, ProjectionDelta& delta);

// Adds the delta to `batch`: KPI deltas as merges, open-visit index updates.
void write_projection(const store::Store& store, const ProjectionDelta& delta,
                      rocksdb::WriteBatch& batch);

}  // namespace ketenflow::kpi
