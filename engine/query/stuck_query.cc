#include "query/stuck_query.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/time.h"
#include "path/path.h"
#include "store/keys.h"

namespace ketenflow::query {
namespace {

constexpr double kDayMs = model::kMsPerDay;

// The smallest norm on a transition out of `stage`, and where it leads.
std::optional<std::pair<double, int>> exit_norm(const model::ChainModel& chain, int stage) {
  std::optional<std::pair<double, int>> best;
  for (int to = 0; to < chain.stage_count(); ++to) {
    auto days = chain.norm(stage, to);
    if (days && (!best || *days < best->first)) best = std::make_pair(*days, to);
  }
  return best;
}

// Appends the stage's first `offset + limit` matching visits (oldest first) to
// `out` and counts all matching ones in `total`.
Status list_stage(const store::Store& store, const model::ChainModel& chain, int stage,
                  const StuckQuery& query, std::vector<v1::StuckVisit>& out, uint64_t& total) {
  std::string prefix = store::wip_key(chain.def.id(), chain.stage_id(stage), 0, "");
  prefix.resize(prefix.size() - 8);  // chain · stage, without the entry time
  const auto norm = exit_norm(chain, stage);
  const size_t keep = query.offset + query.limit;
  size_t listed = 0;
  auto it = store.iterate(store::Cf::kWip);
  BudgetPoll poll(query.budget, 64);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (auto within = poll.tick(); !within) return within;
    const std::string_view rest(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    if (rest.size() < 8) continue;
    const int64_t entered_ms = store::read_int64(rest.substr(0, 8));
    const std::string client(rest.substr(8));
    // Oldest first: once the whole stay is within the norm, so is every later one.
    if (query.overdue_only && (!norm || query.now_ms - entered_ms <= norm->first * kDayMs)) break;
    // Beyond the page, without a filter that needs the path: the index entry is
    // the open visit (written in the same batch as the path; `check` verifies
    // both agree), so it is counted from the key alone.
    if (listed == keep && !query.client_filter && !query.overdue_only && !query.out_of_view) {
      ++total;
      continue;
    }

    auto record_bytes = store.get(store::Cf::kPaths, store::path_key(chain.def.id(), client));
    if (!record_bytes) return Error{record_bytes.error()};
    if (!*record_bytes) continue;
    v1::ClientRecord record;
    if (!record.ParseFromString(**record_bytes)) {
      return Error{"store: unreadable path record of a client in " + chain.def.id()};
    }
    const std::vector<v1::PathInput> events(record.events().begin(), record.events().end());
    if (query.client_filter && !query.client_filter(events)) continue;
    const path::Path path = path::build_path(chain, events);
    if (path.visits.empty() || path.visits.back().left_ms) continue;
    const path::Visit& visit = path.visits.back();

    v1::StuckVisit stuck;
    stuck.set_client_ref(client);
    stuck.set_stage(chain.stage_id(stage));
    stuck.set_stage_name(chain.def.stages(stage).name());
    *stuck.mutable_entered_at() = model::from_ms(visit.entered_ms);
    stuck.set_days_waiting((query.now_ms - visit.entered_ms) / kDayMs);
    stuck.set_days_since_last_event((query.now_ms - visit.last_event_ms) / kDayMs);
    if (norm) {
      stuck.set_norm_days(norm->first);
      stuck.set_norm_to_stage(chain.stage_id(norm->second));
      stuck.set_overdue(query.now_ms - visit.last_event_ms > norm->first * kDayMs);
    }
    const double inactive = chain.def.inactive_after_days();
    stuck.set_out_of_view(inactive > 0 && query.now_ms - visit.last_event_ms > inactive * kDayMs);
    if (query.overdue_only && !stuck.overdue()) continue;
    if (query.out_of_view && stuck.out_of_view() != *query.out_of_view) continue;
    ++total;
    if (listed == keep) continue;  // counted, beyond every page this query can show
    for (size_t i = visit.first; i <= visit.last; ++i) {
      const std::string& partner = events[path.order[i]].partner_id();
      const auto& partners = stuck.partners();
      if (std::find(partners.begin(), partners.end(), partner) == partners.end()) {
        stuck.add_partners(partner);
      }
    }
    out.push_back(std::move(stuck));
    ++listed;
  }
  if (!it->status().ok()) return Error{"reading open visits: " + it->status().ToString()};
  return ok_status();
}

}  // namespace

Result<v1::StuckList> stuck_list(const store::Store& store, const model::ChainModel& chain,
                                 const StuckQuery& query) {
  std::vector<int> stages;
  if (query.stage) {
    const int stage = chain.stage(*query.stage);
    if (stage < 0) return Error{"no stage \"" + *query.stage + "\" in chain " + chain.def.id()};
    stages.push_back(stage);
  } else {
    for (int s = 0; s < chain.stage_count(); ++s) stages.push_back(s);
  }
  std::vector<v1::StuckVisit> visits;
  uint64_t total = 0;
  for (int stage : stages) {
    if (auto status = list_stage(store, chain, stage, query, visits, total); !status) {
      return Error{status.error()};
    }
  }
  std::stable_sort(visits.begin(), visits.end(), [](const auto& a, const auto& b) {
    return model::to_ms(a.entered_at()) < model::to_ms(b.entered_at());
  });
  v1::StuckList list;
  list.set_chain_id(chain.def.id());
  *list.mutable_as_of() = model::from_ms(query.now_ms);
  list.set_total(static_cast<uint32_t>(std::min<uint64_t>(total, UINT32_MAX)));
  list.set_offset(static_cast<uint32_t>(query.offset));
  list.set_inactive_after_days(chain.def.inactive_after_days());
  const size_t first = std::min(query.offset, visits.size());
  const size_t last = std::min(first + query.limit, visits.size());
  for (size_t i = first; i < last; ++i) *list.add_visits() = std::move(visits[i]);
  list.set_truncated(query.offset + list.visits_size() < total);
  return list;
}

}  // namespace ketenflow::query
