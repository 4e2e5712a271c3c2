#include "kpi/projection.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "kpi/contributions.h"
#include "path/path.h"
#include "store/keys.h"

namespace ketenflow::kpi {
namespace {

auto sort_key(const Contribution& c) {
  return std::tie(c.measure, c.day, c.dim, c.value_ms, c.within_norm);
}

std::vector<Contribution> sorted_contributions(const model::ChainModel& chain,
                                               const path::Path& path,
                                               std::span<const v1::PathInput> events) {
  auto out = contributions(chain, path, events);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return sort_key(a) < sort_key(b); });
  return out;
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

void project_client_change(const model::ChainModel& chain, const std::string& client,
                           std::span<const v1::PathInput> before,
                           std::span<const v1::PathInput> after, ProjectionDelta& delta) {
  const path::Path old_path = path::build_path(chain, before);
  const path::Path new_path = path::build_path(chain, after);
  const auto old_c = sorted_contributions(chain, old_path, before);
  const auto new_c = sorted_contributions(chain, new_path, after);

  // Multiset difference of two sorted lists.
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

  auto old_open = open_visit_key(chain, client, old_path);
  auto new_open = open_visit_key(chain, client, new_path);
  if (old_open != new_open) {
    if (old_open) delta.wip_removed.push_back(std::move(*old_open));
    if (new_open) delta.wip_added.push_back(std::move(*new_open));
  }
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
