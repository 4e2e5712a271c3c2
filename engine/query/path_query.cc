#include "query/path_query.h"

#include <algorithm>

#include "model/time.h"
#include "path/path.h"
#include "store/keys.h"

namespace ketenflow::query {

Result<v1::ClientPath> client_path(const store::Store& store, const model::ChainModel& chain,
                                   const std::string& client_ref) {
  std::vector<v1::ClientEvent> events;
  std::vector<v1::PathInput> inputs;
  const std::string prefix = store::client_prefix(chain.def.id(), client_ref);
  auto it = store.iterate_client(prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    v1::StoredEvent stored;
    v1::ClientEvent event;
    if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        !event.ParseFromString(stored.event())) {
      return Error{"store event is corrupt"};
    }
    inputs.push_back(path::path_input(event, stored.seq(), chain.filter_attributes));
    events.push_back(std::move(event));
  }
  if (!it->status().ok()) return Error{"reading events: " + it->status().ToString()};
  if (events.empty()) {
    return Error{"no events of this client in chain " + chain.def.id()};
  }

  const path::Path path = path::build_path(chain, inputs);
  v1::ClientPath out;
  out.set_chain_id(chain.def.id());
  out.set_client_ref(client_ref);
  out.set_completed(path.completed_ms.has_value());
  std::vector<bool> listed(events.size(), false);
  for (size_t i : path.order) {
    v1::PathEvent* e = out.add_events();
    *e->mutable_event() = events[i];
    e->set_status(path.status[i]);
    listed[i] = true;
  }
  for (size_t i = 0; i < events.size(); ++i) {  // corrected and withdrawn, in time order
    if (listed[i]) continue;
    v1::PathEvent* e = out.add_events();
    *e->mutable_event() = events[i];
    e->set_status(path.status[i]);
  }

  for (size_t v = 0; v < path.visits.size(); ++v) {
    const path::Visit& visit = path.visits[v];
    v1::Visit* out_visit = out.add_visits();
    out_visit->set_stage(chain.stage_id(visit.stage));
    *out_visit->mutable_entered_at() = model::from_ms(visit.entered_ms);
    if (visit.left_ms) *out_visit->mutable_left_at() = model::from_ms(*visit.left_ms);
    *out_visit->mutable_last_event_at() = model::from_ms(visit.last_event_ms);
    out_visit->set_reentry(visit.reentry);
    for (size_t k = visit.first; k <= visit.last; ++k) {
      const v1::ClientEvent& e = events[path.order[k]];
      out_visit->add_event_ids(e.event_id());
      const auto& partners = out_visit->partners();
      if (std::find(partners.begin(), partners.end(), e.partner_id()) == partners.end()) {
        out_visit->add_partners(e.partner_id());
      }
    }
    if (v + 1 == path.visits.size()) continue;
    const path::Visit& next = path.visits[v + 1];
    v1::Transition* t = out.add_transitions();
    t->set_from(chain.stage_id(visit.stage));
    t->set_to(chain.stage_id(next.stage));
    t->set_from_partner(events[path.order[visit.last]].partner_id());
    t->set_to_partner(events[path.order[next.first]].partner_id());
    t->set_delay_seconds(static_cast<double>(next.entered_ms - visit.last_event_ms) / 1000.0);
    t->set_handover(t->from_partner() != t->to_partner());
  }
  return out;
}

}  // namespace ketenflow::query
