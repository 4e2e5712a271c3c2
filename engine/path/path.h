// Path reconstruction: a client's events -> ordered visits and transitions.
//
// A pure function of the client's event set (DESIGN §4): the result does not
// depend on the order of `events`. Events are ordered by
// (occurred_at, stage rank, recorded order, event_id), where recorded order is
// recorded_at, or — only for events without recorded_at — arrival order.
// Corrections replace the event they name; withdrawals remove it; of several
// corrections of one event the latest recorded wins. A correction whose
// original has not arrived yet stands on its own until it does.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ketenflow/v1/event.pb.h"
#include "ketenflow/v1/path.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "model/chain.h"

namespace ketenflow::path {

// One stay in a stage: effective events order[first..last] of the Path.
struct Visit {
  int stage = -1;
  int64_t entered_ms = 0;
  int64_t last_event_ms = 0;
  // Next visit's entry, or the first terminal milestone in this visit; empty
  // while the visit is open.
  std::optional<int64_t> left_ms;
  size_t first = 0;
  size_t last = 0;
  bool reentry = false;
};

struct Path {
  // Per input event: effective, corrected or withdrawn.
  std::vector<v1::EventStatus> status;
  // Effective events as indexes into the input, in path order.
  std::vector<size_t> order;
  std::vector<Visit> visits;
  // Time of the first terminal milestone, when reached.
  std::optional<int64_t> completed_ms;
};

// What path building keeps of an accepted event; `seq` is its arrival order.
// Of the event's attributes only those named in `keep` (the chain's
// filter_attributes, ascending) are kept.
v1::PathInput path_input(const v1::ClientEvent& event, uint64_t seq,
                         std::span<const std::string> keep = {});

Path build_path(const model::ChainModel& chain, std::span<const v1::PathInput> events);

// Partner (index into chain.def.partners()) of the first / last event of a visit.
int first_partner(const model::ChainModel& chain, const Path& path,
                  std::span<const v1::PathInput> events, const Visit& visit);
int last_partner(const model::ChainModel& chain, const Path& path,
                 std::span<const v1::PathInput> events, const Visit& visit);

}  // namespace ketenflow::path
