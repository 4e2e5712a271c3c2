#include "kpi/projection.h"

#include <algorithm>
#include <tuple>

#include "path/path.h"
#include "store/keys.h"

namespace ketenflow::kpi {
namespace {

auto sort_key(const Contribution& c) {
  return std::tie(c.measure, c.day, c.dim, c.value_ms, c.within_norm);
}

std::optional<std::string> open_visit_key(const model::ChainModel& chain, const std::string& client,
                                          const path::Path& path) {
  if (path.visits.empty() || path.visits.back().left_ms) return std::nullopt;
  const path::Visit& visit = path.visits.back();
  return store::wip_key(chain.def.id(), chain.stage_id(visit.stage), visit.entered_ms, client);
}

void add(ProjectionDelta& delta, const model::ChainModel& chain, const Contribution& c, int sign) {
  auto key = store::kpi_key(chain.def.id(), c.day, static_cast<uint8_t>(c.measure), c.dim);
  add_contribution(delta.kpi[std::move(key)], c, sign);
}

}  // namespace

ClientProjection project_client(const model::ChainModel& chain, const std::string& client,
                                std::span<const v1::PathInput> events) {
  const path::Path path = path::build_path(chain, events);
  ClientProjection out;
  out.contributions = contributions(chain, path, events);
  std::sort(out.contributions.begin(), out.contributions.end(),
            [](const auto& a, const auto& b) { return sort_key(a) < sort_key(b); });
  out.open_visit = open_visit_key(chain, client, path);
  return out;
}

void add_projection_change(const model::ChainModel& chain, const ClientProjection& before,
                           const ClientProjection& after, ProjectionDelta& delta) {
  // Multiset difference of two sorted lists.
  const auto& old_c = before.contributions;
  const auto& new_c = after.contributions;
  size_t i = 0, j = 0;
  while (i < old_c.size() || j < new_c.size()) {
    if (j == new_c.size() || (i < old_c.size() && sort_key(old_c[i]) < sort_key(new_c[j]))) {
      add(delta, chain, old_c[i++], -1);
    } else if (i == old_c.size() || sort_key(new_c[j]) < sort_key(old_c[i])) {
      add(delta, chain, new_c[j++], +1);
    } else {
      ++i;
      ++j;
    }
  }
  if (before.open_visit != after.open_visit) {
    if (before.open_visit) delta.wip_removed.push_back(*before.open_visit);
    if (after.open_visit) delta.wip_added.push_back(*after.open_visit);
  }
}

void project_client_change(const model::ChainModel& chain, const std::string& client,
                           std::span<const v1::PathInput> before,
                           std::span<const v1::PathInput> after, ProjectionDelta& delta) {
  add_projection_change(chain, project_client(chain, client, before),
                        project_client(chain, client, after), delta);
}

void write_projection(const store::Store& store, const ProjectionDelta& delta,
                      rocksdb::WriteBatch& batch) {
  std::string value;
  for (const auto& [key, aggregate] : delta.kpi) {
    if (aggregate.empty()) continue;
    value.clear();
    store::encode(aggregate, &value);
    batch.Merge(store.cf(store::Cf::kKpi), key, value);
  }
  for (const auto& key : delta.wip_removed) batch.Delete(store.cf(store::Cf::kWip), key);
  for (const auto& key : delta.wip_added) batch.Put(store.cf(store::Cf::kWip), key, "");
}

}  // namespace ketenflow::kpi
