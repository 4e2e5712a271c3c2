// Aggregate sources: where a KPI query reads a chain's day aggregates from.
//
// A source visits the (day, measure, dimension, aggregate) entries of one
// chain whose day lies in [from, to), in the order of the store's kpi keys
// (day, then measure, then dimension). Two sources exist: the store's `kpi`
// column family (the live KPIs) and an in-memory map of kpi key -> aggregate
// (an as-of report replays events into one). Entries that cancelled out to
// zero are visited too; the query skips them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "kpi/contributions.h"
#include "model/result.h"
#include "store/aggregate.h"
#include "store/store.h"

namespace ketenflow::query {

struct AggregateEntry {
  int32_t day = 0;
  kpi::Measure measure{};
  std::string_view dim;
  // The aggregate in its stored byte form (store/aggregate.h); add it with
  // store::add_encoded, or store::decode it.
  std::string_view value;
};

// Called per entry; an error stops the visit and is returned by it.
using AggregateVisitor = std::function<Status(const AggregateEntry&)>;

// The first and the last day that hold an entry of the chain.
struct DataDays {
  int32_t first = 0;
  int32_t last = 0;
};

struct AggregateSource {
  // Visits the chain's entries with day in [from, to).
  std::function<Status(int32_t from, int32_t to, const AggregateVisitor& visit)> visit;
  // The chain's data days from its first and its last kpi key (two seeks);
  // nullopt when it has none.
  std::function<std::optional<DataDays>()> days;
};

// kpi key (store/keys.h kpi_key) -> aggregate, ordered like the store.
using AggregateMap = std::map<std::string, store::Aggregate>;

// The chain's last data day: the last local day on which a client entered a
// stage. Every stage entry happens on an event's day, while later kpi days
// can be the deadlines of measure windows still running. nullopt when no
// client entered a stage. Reads backwards from the last kpi day in widening
// windows, so it costs about the entries of the last weeks.
Result<std::optional<int32_t>> last_data_day(const AggregateSource& source);

// The store's kpi family for `chain`; `store` must outlive the source.
AggregateSource store_aggregates(const store::Store& store, std::string chain);
// The entries of `chain` in `map`; `map` must outlive the source.
AggregateSource memory_aggregates(const AggregateMap& map, std::string chain);

}  // namespace ketenflow::query
