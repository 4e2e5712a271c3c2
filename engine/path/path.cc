#include "path/path.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "model/time.h"

namespace ketenflow::path {
namespace {

// Recorded order: events with recorded_at first by that time; events without
// it by arrival.
std::tuple<int, int64_t> recorded_order(const v1::PathInput& e) {
  if (e.has_recorded_ms()) return {0, e.recorded_ms()};
  return {1, static_cast<int64_t>(e.seq())};
}

bool recorded_before(const v1::PathInput& a, const v1::PathInput& b) {
  return std::make_tuple(recorded_order(a), std::string_view(a.event_id())) <
         std::make_tuple(recorded_order(b), std::string_view(b.event_id()));
}

// Marks corrected and withdrawn events.
std::vector<v1::EventStatus> statuses(std::span<const v1::PathInput> events) {
  std::vector<v1::EventStatus> status(events.size(), v1::EVENT_STATUS_EFFECTIVE);
  const bool any_correction = std::any_of(events.begin(), events.end(), [](const auto& e) {
    return !e.corrects_event_id().empty() || e.retracted();
  });
  if (!any_correction) return status;  // the common case: nothing to resolve
  std::unordered_map<std::string_view, size_t> by_id;
  std::unordered_map<std::string_view, size_t> latest_corrector;
  for (size_t i = 0; i < events.size(); ++i) {
    by_id.emplace(events[i].event_id(), i);
    const std::string& target = events[i].corrects_event_id();
    if (target.empty()) continue;
    auto [it, inserted] = latest_corrector.try_emplace(target, i);
    if (!inserted && recorded_before(events[it->second], events[i])) it->second = i;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::PathInput& e = events[i];
    if (e.retracted()) {
      status[i] = v1::EVENT_STATUS_WITHDRAWN;
    } else if (!e.corrects_event_id().empty() && latest_corrector[e.corrects_event_id()] != i) {
      status[i] = v1::EVENT_STATUS_CORRECTED;
    }
  }
  for (const auto& [target, corrector] : latest_corrector) {
    auto it = by_id.find(target);
    if (it == by_id.end()) continue;
    status[it->second] =
        events[corrector].retracted() ? v1::EVENT_STATUS_WITHDRAWN : v1::EVENT_STATUS_CORRECTED;
  }
  return status;
}

}  // namespace

Path build_path(const model::ChainModel& chain, std::span<const v1::PathInput> events) {
  Path path;
  path.status = statuses(events);

  struct Item {
    size_t index;
    int stage;
    uint32_t rank;
  };
  std::vector<Item> items;
  items.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (path.status[i] != v1::EVENT_STATUS_EFFECTIVE) continue;
    const int milestone = chain.milestone(events[i].type());
    if (milestone < 0) {
      // Not part of this chain definition (it changed since): not on the path.
      path.status[i] = v1::EVENT_STATUS_UNSPECIFIED;
      continue;
    }
    const int stage = chain.milestones[milestone].stage;
    items.push_back({i, stage, chain.stage_rank(stage)});
  }
  std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    const v1::PathInput& x = events[a.index];
    const v1::PathInput& y = events[b.index];
    if (x.occurred_ms() != y.occurred_ms()) return x.occurred_ms() < y.occurred_ms();
    if (a.rank != b.rank) return a.rank < b.rank;
    return recorded_before(x, y);
  });

  std::vector<bool> visited(chain.stage_count(), false);
  path.order.reserve(items.size());
  for (const Item& item : items) {
    const size_t pos = path.order.size();
    path.order.push_back(item.index);
    const v1::PathInput& e = events[item.index];
    if (path.visits.empty() || path.visits.back().stage != item.stage) {
      // The previous visit ends when this stage starts, even when a terminal
      // milestone had closed it before (the client came back).
      if (!path.visits.empty()) path.visits.back().left_ms = e.occurred_ms();
      Visit visit;
      visit.stage = item.stage;
      visit.entered_ms = e.occurred_ms();
      visit.first = pos;
      visit.reentry = visited[item.stage];
      visited[item.stage] = true;
      path.visits.push_back(visit);
    }
    Visit& visit = path.visits.back();
    visit.last = pos;
    visit.last_event_ms = e.occurred_ms();
    const int milestone = chain.milestone(e.type());
    if (chain.milestones[milestone].terminal) {
      if (!visit.left_ms) visit.left_ms = e.occurred_ms();
      if (!path.completed_ms) path.completed_ms = e.occurred_ms();
    }
  }
  return path;
}

int first_partner(const model::ChainModel& chain, const Path& path,
                  std::span<const v1::PathInput> events, const Visit& visit) {
  return chain.partner(events[path.order[visit.first]].partner_id());
}

int last_partner(const model::ChainModel& chain, const Path& path,
                 std::span<const v1::PathInput> events, const Visit& visit) {
  return chain.partner(events[path.order[visit.last]].partner_id());
}

v1::PathInput path_input(const v1::ClientEvent& event, uint64_t seq,
                         std::span<const std::string> keep) {
  v1::PathInput in;
  in.set_event_id(event.event_id());
  in.set_type(event.type());
  in.set_partner_id(event.partner_id());
  in.set_occurred_ms(model::to_ms(event.occurred_at()));
  if (event.has_recorded_at()) in.set_recorded_ms(model::to_ms(event.recorded_at()));
  in.set_seq(seq);
  in.set_corrects_event_id(event.corrects_event_id());
  in.set_retracted(event.retracted());
  for (const std::string& key : keep) {
    auto it = event.attributes().find(key);
    if (it == event.attributes().end()) continue;
    v1::Attribute* attribute = in.add_attributes();
    attribute->set_key(key);
    attribute->set_value(it->second);
  }
  return in;
}

}  // namespace ketenflow::path
