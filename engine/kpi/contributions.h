// Per-client KPI contributions: what one client's path adds to the chain's
// KPIs (DESIGN §4-5). A pure function of the path; the engine subtracts a
// client's old contributions and adds the new ones whenever the client's event
// set changes (retract-and-reapply), so every KPI is a sum over clients.
//
// Each contribution is counted on the local day (chain time zone) of the
// moment that closes the measured interval.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ketenflow/v1/store.pb.h"
#include "model/chain.h"
#include "path/path.h"
#include "store/aggregate.h"

namespace ketenflow::kpi {

// Stored as one byte in KPI keys: never renumber.
enum class Measure : uint8_t {
  kStageEntries = 1,     // dim: stage; day of entry
  kStageExits = 2,       // dim: stage; day of leaving
  kStageReentries = 3,   // dim: stage; day of entry
  kStageDuration = 4,    // dim: stage; next entry - entry, day of next entry
  kTransitionDelay = 5,  // dim: from·to stages; next entry - last event, day of next entry
  kHandoverDelay = 6,    // dim: from·to partners (differing); as kTransitionDelay
  kCaseDuration = 7,     // dim: ""; last event - first event, day of last event
  kLeadTime = 8,         // dim: ""; first terminal milestone - first event, day of it
  // Chain measures (kpi/measures.h), dim: measure id. within = met.
  kMeasureClosed = 9,   // completion view: the day the outcome was decided
  kMeasureCohort = 10,  // cohort view: the day of the cohort milestone
  kMeasureOpen = 11,    // started, not decided yet: the day of the cohort milestone
};

struct Contribution {
  Measure measure;
  int32_t day = 0;
  std::string dim;
  // Duration in ms; -1 for pure counts.
  int64_t value_ms = -1;
  bool within_norm = false;
};

std::vector<Contribution> contributions(const model::ChainModel& chain, const path::Path& path,
                                        std::span<const v1::PathInput> events);

// "from" and "to" joined into one dimension, and split again.
std::string pair_dim(std::string_view from, std::string_view to);
std::pair<std::string_view, std::string_view> split_pair_dim(std::string_view dim);

// The aggregate delta of adding (sign +1) or retracting (sign -1) `c`.
void add_contribution(store::Aggregate& into, const Contribution& c, int sign);

}  // namespace ketenflow::kpi
