// Aggregate sources (query/aggregate_source.h): the in-memory map an as-of
// report replays into visits exactly what the store's kpi family would hold
// for the same aggregates — one chain, days in [from, to), in key order.
#include "query/aggregate_source.h"
#include "test_support.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "store/keys.h"
#include "store/store.h"

namespace ketenflow::query {
namespace {

using kpi::Measure;

store::Aggregate agg(int64_t count, int64_t sum_ms, int64_t within = 0) {
  store::Aggregate a;
  a.count = count;
  a.sum_ms = sum_ms;
  a.within = within;
  if (sum_ms > 0) a.buckets[static_cast<int32_t>(sum_ms / 1000)] = count;
  return a;
}

// What a visit saw, decoded.
struct Seen {
  int32_t day;
  Measure measure;
  std::string dim;
  int64_t count;
  int64_t sum_ms;
  int64_t within;

  auto tie() const { return std::tie(day, measure, dim, count, sum_ms, within); }
  bool operator==(const Seen& o) const { return tie() == o.tie(); }
};

std::vector<Seen> visit_all(const AggregateSource& source, int32_t from, int32_t to) {
  std::vector<Seen> seen;
  auto status = source.visit(from, to, [&](const AggregateEntry& e) -> Status {
    store::Aggregate a;
    if (!store::decode(e.value, &a)) return Error{"bad value"};
    seen.push_back({e.day, e.measure, std::string(e.dim), a.count, a.sum_ms, a.within});
    return ok_status();
  });
  EXPECT_TRUE(status.ok()) << status.error();
  return seen;
}

std::string key(const std::string& chain, int32_t day, Measure m, const std::string& dim) {
  return store::kpi_key(chain, day, static_cast<uint8_t>(m), dim);
}

// Entries of chain "keten" on days 10..12, and of two chains whose ids start
// alike ("ket", "keten-b") on day 11.
AggregateMap sample() {
  AggregateMap map;
  map[key("keten", 10, Measure::kStageEntries, "opvang")] = agg(1, 0);
  map[key("keten", 11, Measure::kTransitionDelay, "opvang\x1fwoning")] = agg(2, 7000, 1);
  map[key("keten", 11, Measure::kStageEntries, "woning")] = agg(3, 0);
  map[key("keten", 11, Measure::kStageEntries, "opvang")] = agg(4, 0);
  map[key("keten", 12, Measure::kCaseDuration, "")] = agg(1, 9000);
  map[key("ket", 11, Measure::kStageEntries, "opvang")] = agg(50, 0);
  map[key("keten-b", 11, Measure::kStageEntries, "opvang")] = agg(60, 0);
  return map;
}

TEST(MemoryAggregates, VisitsOneChainsDaysInKeyOrder) {
  const AggregateMap map = sample();
  const AggregateSource source = memory_aggregates(map, "keten");

  // Day 11 only: entries (measure 1) before transition delay (5); within a
  // measure, dimensions in byte order.
  const std::vector<Seen> day11 = {
      {11, Measure::kStageEntries, "opvang", 4, 0, 0},
      {11, Measure::kStageEntries, "woning", 3, 0, 0},
      {11, Measure::kTransitionDelay, "opvang\x1fwoning", 2, 7000, 1},
  };
  EXPECT_EQ(visit_all(source, 11, 12), day11);

  // Unbounded: all five of "keten", none of "ket" or "keten-b".
  const auto all = visit_all(source, INT32_MIN, INT32_MAX);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front(), (Seen{10, Measure::kStageEntries, "opvang", 1, 0, 0}));
  EXPECT_EQ(all.back(), (Seen{12, Measure::kCaseDuration, "", 1, 9000, 0}));

  // [from, to) excludes `to`; an empty range visits nothing.
  EXPECT_EQ(visit_all(source, 10, 11).size(), 1u);
  EXPECT_TRUE(visit_all(source, 13, 20).empty());
  EXPECT_TRUE(visit_all(memory_aggregates(map, "other"), INT32_MIN, INT32_MAX).empty());
}

TEST(MemoryAggregates, VisitorErrorStopsTheVisit) {
  const AggregateMap map = sample();
  int calls = 0;
  auto status = memory_aggregates(map, "keten").visit(INT32_MIN, INT32_MAX, [&](const auto&) {
    ++calls;
    return Status(Error{"stop here"});
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "stop here");
  EXPECT_EQ(calls, 1);
}

TEST(MemoryAggregates, SameEntriesAsTheStoreKpiFamily) {
  testing::TempDir dir;
  auto store = store::Store::open(dir.path() + "/db", store::StoreOptions{});
  ASSERT_TRUE(store.ok()) << store.error();
  const AggregateMap map = sample();
  // The store gets each aggregate as two merge operands that sum to it
  // (count c = (c + 1) + (-1)), as ingest's deltas would.
  rocksdb::WriteBatch batch;
  for (const auto& [k, a] : map) {
    store::Aggregate more = a, less;
    more.count += 1;
    less.count = -1;
    std::string v1, v2;
    store::encode(more, &v1);
    store::encode(less, &v2);
    batch.Merge((*store)->cf(store::Cf::kKpi), k, v1);
    batch.Merge((*store)->cf(store::Cf::kKpi), k, v2);
  }
  ASSERT_TRUE((*store)->write(batch).ok());

  for (const std::string chain : {"keten", "ket", "keten-b"}) {
    for (auto [from, to] : {std::pair{INT32_MIN, INT32_MAX}, {11, 12}, {10, 12}, {12, 13}}) {
      EXPECT_EQ(visit_all(memory_aggregates(map, chain), from, to),
                visit_all(store_aggregates(**store, chain), from, to))
          << chain << " [" << from << ", " << to << ")";
    }
    // The same data days and last data day too.
    const auto memory_days = memory_aggregates(map, chain).days();
    const auto store_days = store_aggregates(**store, chain).days();
    ASSERT_TRUE(memory_days && store_days) << chain;
    EXPECT_EQ(memory_days->first, store_days->first) << chain;
    EXPECT_EQ(memory_days->last, store_days->last) << chain;
    EXPECT_EQ(*last_data_day(memory_aggregates(map, chain)),
              *last_data_day(store_aggregates(**store, chain)))
        << chain;
  }
}

TEST(MemoryAggregates, DataDaysSpanTheChainsFirstAndLastKey) {
  const AggregateMap map = sample();
  const auto days = memory_aggregates(map, "keten").days();
  ASSERT_TRUE(days);
  EXPECT_EQ(days->first, 10);
  EXPECT_EQ(days->last, 12);
  EXPECT_FALSE(memory_aggregates(map, "other").days());
}

TEST(LastDataDay, IsTheLastDayAClientEnteredAStageNotTheLastKpiDay) {
  AggregateMap map = sample();
  // Day 12 holds only a case duration; the last stage entries are on day 11.
  EXPECT_EQ(*last_data_day(memory_aggregates(map, "keten")), std::optional<int32_t>(11));
  // A measure outcome filed on its window's deadline, far later, changes nothing.
  map[key("keten", 900, Measure::kMeasureClosed, "terug")] = agg(1, 0);
  EXPECT_EQ(*last_data_day(memory_aggregates(map, "keten")), std::optional<int32_t>(11));
  // Entries that cancelled out to zero are no data either.
  map[key("keten", 11, Measure::kStageEntries, "opvang")] = agg(0, 0);
  map[key("keten", 11, Measure::kStageEntries, "woning")] = agg(0, 0);
  EXPECT_EQ(*last_data_day(memory_aggregates(map, "keten")), std::optional<int32_t>(10));
  // No stage entry at all: none.
  EXPECT_EQ(*last_data_day(memory_aggregates(map, "other")), std::nullopt);
}

}  // namespace
}  // namespace ketenflow::query
