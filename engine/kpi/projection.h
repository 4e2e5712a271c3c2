// Projection of a client's event set onto the KPI and open-visit families.
//
// A client's projection is a pure function of its events (no clock): its
// KPI contributions, sorted, and its open visit. When a client's events
// change, the KPI delta is projection(after) - projection(before): identical
// contributions cancel out, so only what really changed is written. Deltas of
// many clients are collected in one ProjectionDelta and written with the
// batch. No state of its own; any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <rocksdb/write_batch.h>

#include "ketenflow/v1/store.pb.h"
#include "kpi/contributions.h"
#include "model/chain.h"
#include "store/aggregate.h"
#include "store/store.h"

namespace ketenflow::kpi {

struct ClientProjection {
  // Sorted by (measure, day, dim, value, within_norm).
  std::vector<Contribution> contributions;
  // The wip key of the open visit, when the last visit is open.
  std::optional<std::string> open_visit;
};

ClientProjection project_client(const model::ChainModel& chain, const std::string& client,
                                std::span<const v1::PathInput> events);

struct ProjectionDelta {
  // kpi key -> aggregate delta
  std::unordered_map<std::string, store::Aggregate> kpi;
  std::vector<std::string> wip_removed;
  std::vector<std::string> wip_added;
};

// Adds after - before to `delta`.
void add_projection_change(const model::ChainModel& chain, const ClientProjection& before,
                           const ClientProjection& after, ProjectionDelta& delta);

// project_client of both event sets, then add_projection_change.
void project_client_change(const model::ChainModel& chain, const std::string& client,
                           std::span<const v1::PathInput> before,
                           std::span<const v1::PathInput> after, ProjectionDelta& delta);

// Adds the delta to `batch`: KPI deltas as merges, open-visit index updates.
void write_projection(const store::Store& store, const ProjectionDelta& delta,
                      rocksdb::WriteBatch& batch);

}  // namespace ketenflow::kpi
