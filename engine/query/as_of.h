// As-of KPIs: a chain's day aggregates as the engine had them at an instant.
//
// Replays the chain's stored events, keeping those the engine stored at or
// before the instant (StoredEvent.stored_ms; events stored before that field
// existed count as stored at 0, so always), client by client through the same
// path building and projection ingest uses, into an in-memory AggregateMap.
// The result equals the `kpi` family the store had at that instant, under the
// chain definition the store holds now.
//
// Cost: reads every event of the chain. Memory: one client's events and the
// aggregates, not the events. With a budget, the replay stops with its reason
// once it is spent (checked every few clients).
#pragma once

#include <cstdint>

#include "model/chain.h"
#include "model/result.h"
#include "query/aggregate_source.h"
#include "query/budget.h"
#include "store/store.h"

namespace ketenflow::query {

Result<AggregateMap> aggregates_as_of(const store::Store& store, const model::ChainModel& chain,
                                      int64_t as_of_ms, const Budget* budget = nullptr);

}  // namespace ketenflow::query
