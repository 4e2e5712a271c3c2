// Stuck cases: the open visits of a chain (clients waiting in a stage), oldest
// first, from the store's open-visit index (`wip` family), with how long each
// has waited and the norm it exceeds.
//
// A visit is overdue when the time since its last event exceeds the smallest
// norm on a transition out of its stage: the same clock the handover-delay
// norm uses once the client moves on (README "KPI definitions"). It is out of
// view when that time exceeds the chain's inactive_after_days.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "ketenflow/v1/api.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "model/chain.h"
#include "model/result.h"
#include "query/budget.h"
#include "store/store.h"

namespace ketenflow::query {

struct StuckQuery {
  std::optional<std::string> stage;  // one stage id, or all stages
  bool overdue_only = false;
  // With the chain's inactive_after_days: only visits out of view (true) or
  // only those in view (false); all when unset.
  std::optional<bool> out_of_view;
  size_t limit = 100;
  // Visits skipped before the page, oldest first; the list's total counts
  // them all.
  size_t offset = 0;
  int64_t now_ms = 0;
  // When set, only clients whose events it accepts are listed (operators:
  // clients their partner reported on).
  std::function<bool(std::span<const v1::PathInput>)> client_filter;
  // When set, the query stops with an error once it is spent.
  const Budget* budget = nullptr;
};

// Error for an unknown stage id.
Result<v1::StuckList> stuck_list(const store::Store& store, const model::ChainModel& chain,
                                 const StuckQuery& query);

}  // namespace ketenflow::query
