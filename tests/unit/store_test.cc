// Store building blocks: the Aggregate byte format (store/aggregate.h), the
// merge operator through a real RocksDB store (store/store.h) and the key
// layout (store/keys.h).
#include "store/aggregate.h"
#include "test_support.h"

#include <stdlib.h>

#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kpi/histogram.h"
#include "store/keys.h"
#include "store/store.h"

namespace ketenflow::store {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

std::string encoded(const Aggregate& a) {
  std::string out;
  encode(a, &out);
  return out;
}

void expect_same(const Aggregate& a, const Aggregate& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.sum_ms, b.sum_ms);
  EXPECT_EQ(a.within, b.within);
  EXPECT_EQ(a.buckets, b.buckets);
}

TEST(AggregateCodec, ExactBytes) {
  // Zigzag varints: 1 -> 02, 5 -> 0a, 0 -> 00; no buckets.
  Aggregate a;
  a.count = 1;
  a.sum_ms = 5;
  EXPECT_EQ(encoded(a), bytes({0x02, 0x0a, 0x00, 0x00}));

  // Buckets as (delta from previous, count): 3 -> 06, +1 -> 02; 7 -> 0e, -2 -> 03.
  Aggregate b;
  b.count = -1;  // -> 01
  b.within = 2;  // -> 04
  b.buckets = {{3, 1}, {10, -2}};
  EXPECT_EQ(encoded(b), bytes({0x01, 0x00, 0x04, 0x02, 0x06, 0x02, 0x0e, 0x03}));

  // kZeroBucket = INT32_MIN: delta -2^31 -> zigzag 2^32 - 1 -> ff ff ff ff 0f.
  Aggregate z;
  z.count = 1;
  z.buckets = {{kpi::kZeroBucket, 1}};
  EXPECT_EQ(encoded(z), bytes({0x02, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x02}));
}

TEST(AggregateCodec, RoundTripWithNegativeCountsAndExtremeBuckets) {
  Aggregate a;
  a.count = -3;
  a.sum_ms = -1'234'567'890'123;
  a.within = -1;
  a.buckets = {{INT32_MIN, -2}, {-5, 3}, {0, 1}, {1000, -7}, {INT32_MAX, 4}};
  Aggregate back;
  ASSERT_TRUE(decode(encoded(a), &back));
  expect_same(back, a);

  Aggregate big;
  big.count = INT64_MAX;
  big.sum_ms = INT64_MIN;
  big.within = INT64_MIN + 1;
  big.buckets = {{INT32_MIN, INT64_MAX}, {INT32_MAX, INT64_MIN}};
  ASSERT_TRUE(decode(encoded(big), &back));
  expect_same(back, big);

  Aggregate empty;
  ASSERT_TRUE(decode(encoded(empty), &back));
  EXPECT_TRUE(back.empty());
}

TEST(AggregateCodec, DecodeRejectsBadBytes) {
  Aggregate a;
  a.count = 2;
  a.buckets = {{7, 2}};
  const std::string good = encoded(a);
  Aggregate out;
  ASSERT_TRUE(decode(good, &out));
  EXPECT_FALSE(decode(good.substr(0, good.size() - 1), &out));  // truncated
  EXPECT_FALSE(decode(good + '\x00', &out));                    // trailing byte
  EXPECT_FALSE(decode(bytes({0x80}), &out));                    // unterminated varint
  EXPECT_FALSE(decode("", &out));
  // A bucket delta leaving the int32 range.
  EXPECT_FALSE(decode(bytes({0x00, 0x00, 0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x02}), &out));
}

TEST(AggregateCodec, AddCancelsToEmpty) {
  Aggregate a;
  a.count = 2;
  a.sum_ms = 3000;
  a.within = 1;
  a.buckets = {{kpi::kZeroBucket, 1}, {500, 1}};
  Aggregate minus;
  minus.count = -2;
  minus.sum_ms = -3000;
  minus.within = -1;
  minus.buckets = {{kpi::kZeroBucket, -1}, {500, -1}};

  Aggregate sum;
  add(sum, a);
  expect_same(sum, a);
  add(sum, a);
  EXPECT_EQ(sum.count, 4);
  EXPECT_EQ(sum.buckets.at(500), 2);
  add(sum, minus);
  expect_same(sum, a);
  add(sum, minus);
  EXPECT_TRUE(sum.empty());
  EXPECT_TRUE(sum.buckets.empty());
  EXPECT_EQ(encoded(sum), bytes({0x00, 0x00, 0x00, 0x00}));
}

class AggregateMerge : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(dir_.path() + "/db", StoreOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
  }

  void merge(const std::string& key, const Aggregate& delta) {
    rocksdb::WriteBatch batch;
    batch.Merge(store_->cf(Cf::kKpi), key, encoded(delta));
    ASSERT_TRUE(store_->write(batch).ok());
  }

  Aggregate read(const std::string& key) {
    auto value = store_->get(Cf::kKpi, key);
    EXPECT_TRUE(value.ok()) << value.error();
    Aggregate out;
    if (!value.ok() || !value->has_value()) {
      ADD_FAILURE() << "no value at key";
      return out;
    }
    EXPECT_TRUE(decode(**value, &out));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(AggregateMerge, PlusPlusMinusThroughRocksDb) {
  const std::string key = kpi_key("test-keten", 19787, 5, "aanmelding\x1fopvang");
  Aggregate d1;  // one value of 86 400 000 ms in bucket 900, within norm
  d1.count = 1;
  d1.sum_ms = 86'400'000;
  d1.within = 1;
  d1.buckets = {{900, 1}};
  Aggregate d2;  // one value of 0 ms
  d2.count = 1;
  d2.buckets = {{kpi::kZeroBucket, 1}};
  Aggregate minus_d1;
  minus_d1.count = -1;
  minus_d1.sum_ms = -86'400'000;
  minus_d1.within = -1;
  minus_d1.buckets = {{900, -1}};

  merge(key, d1);
  merge(key, d2);
  Aggregate both = read(key);
  EXPECT_EQ(both.count, 2);
  EXPECT_EQ(both.sum_ms, 86'400'000);
  EXPECT_EQ(both.within, 1);
  EXPECT_EQ(both.buckets, (std::map<int32_t, int64_t>{{kpi::kZeroBucket, 1}, {900, 1}}));

  merge(key, minus_d1);
  expect_same(read(key), d2);
  // Flushed and folded by a compaction: still the same value.
  ASSERT_TRUE(store_->settle().ok());
  expect_same(read(key), d2);

  // A delta and its negation leave an empty aggregate.
  const std::string other = kpi_key("test-keten", 19788, 5, "x");
  merge(other, d1);
  merge(other, minus_d1);
  EXPECT_TRUE(read(other).empty());
}

TEST_F(AggregateMerge, KpiKeysIterateInNumericDayOrder) {
  const std::vector<int32_t> days = {INT32_MIN, -100000, -2, -1, 0, 1, 2, 19787, INT32_MAX};
  // Written in reverse so that only the key bytes can sort them.
  for (auto it = days.rbegin(); it != days.rend(); ++it) {
    Aggregate one;
    one.count = 1;
    merge(kpi_key("k", *it, 1, "s"), one);
  }
  std::vector<int32_t> seen;
  auto it = store_->iterate(Cf::kKpi);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = parse_kpi_key(std::string_view(it->key().data(), it->key().size()), 1);
    ASSERT_TRUE(key.has_value());
    seen.push_back(key->day);
  }
  EXPECT_EQ(seen, days);
}

TEST(AggregateKeys, IntegersSortInNumericOrder) {
  const std::vector<int64_t> values = {INT64_MIN, -86'400'000, -1, 0, 1, 86'400'000, INT64_MAX};
  std::string previous;
  for (size_t i = 0; i < values.size(); ++i) {
    std::string key;
    append_int64(&key, values[i]);
    ASSERT_EQ(key.size(), 8u);
    EXPECT_EQ(read_int64(key), values[i]);
    if (i > 0) {
      EXPECT_LT(previous, key) << values[i - 1] << " vs " << values[i];
    }
    previous = key;
  }
  std::string zero;
  append_int64(&zero, 0);
  EXPECT_EQ(zero, bytes({0x80, 0, 0, 0, 0, 0, 0, 0}));
  std::string minus_one;
  append_int64(&minus_one, -1);
  EXPECT_EQ(minus_one, bytes({0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));

  const std::vector<uint64_t> unsigned_values = {0, 1, 255, 256, uint64_t{1} << 40, UINT64_MAX};
  for (size_t i = 1; i < unsigned_values.size(); ++i) {
    EXPECT_LT(reject_key(unsigned_values[i - 1]), reject_key(unsigned_values[i]));
    EXPECT_EQ(read_uint64(reject_key(unsigned_values[i])), unsigned_values[i]);
  }
}

TEST(AggregateKeys, DaysAndInstantsSortInNumericOrder) {
  const std::vector<int32_t> days = {INT32_MIN, -25567, -1, 0, 1, 19787, INT32_MAX};
  for (size_t i = 1; i < days.size(); ++i) {
    EXPECT_LT(kpi_key("c", days[i - 1], 9, "zzz"), kpi_key("c", days[i], 1, ""))
        << days[i - 1] << " vs " << days[i];
    EXPECT_LT(kpi_day_prefix("c", days[i - 1]), kpi_day_prefix("c", days[i]));
  }
  // Events before 1970 sort before later ones of the same client.
  const int64_t in_1900 = -2'208'988'800'000;
  EXPECT_LT(event_key("c", "k", in_1900, "z"), event_key("c", "k", -1, "a"));
  EXPECT_LT(event_key("c", "k", -1, "z"), event_key("c", "k", 0, "a"));
  EXPECT_LT(event_key("c", "k", 0, "z"), event_key("c", "k", 1'700'000'000'000, "a"));
  // Open visits: oldest entry first, also across 1970.
  EXPECT_LT(wip_key("c", "opvang", -5, "z"), wip_key("c", "opvang", 5, "a"));
}

TEST(AggregateKeys, ClientPrefixDoesNotMatchALongerClientRef) {
  const std::string prefix = client_prefix("c", "k-1");
  const std::string own = event_key("c", "k-1", 0, "e");
  const std::string other = event_key("c", "k-12", 0, "e");
  EXPECT_EQ(own.rfind(prefix, 0), 0u);
  EXPECT_NE(other.rfind(prefix, 0), 0u);
  EXPECT_EQ(client_prefix("c", ""), std::string("c\0", 2));
}

TEST(AggregateKeys, ParseKpiKeyRoundTrip) {
  const std::string chain = "wonen-eerst";
  const std::string dim = std::string("gemeente\x1fopvang");
  for (int32_t day : {INT32_MIN, -3, 0, 19787, INT32_MAX}) {
    const std::string key = kpi_key(chain, day, 6, dim);
    // chain, 0 byte, 4 day bytes, measure byte, dim.
    EXPECT_EQ(key.size(), chain.size() + 1 + 4 + 1 + dim.size());
    auto parsed = parse_kpi_key(key, chain.size());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->day, day);
    EXPECT_EQ(parsed->measure, 6);
    EXPECT_EQ(parsed->dim, dim);
  }
  auto empty_dim = parse_kpi_key(kpi_key(chain, -1, 7, ""), chain.size());
  ASSERT_TRUE(empty_dim.has_value());
  EXPECT_EQ(empty_dim->day, -1);
  EXPECT_EQ(empty_dim->measure, 7);
  EXPECT_EQ(empty_dim->dim, "");
  // Too short to hold a day and a measure.
  EXPECT_FALSE(parse_kpi_key(kpi_day_prefix(chain, 5), chain.size()).has_value());
}

TEST(AggregateKeys, PathKeyIsChainZeroClient) {
  EXPECT_EQ(path_key("wonen-eerst", "k-42"), std::string("wonen-eerst\0k-42", 16));
}

}  // namespace
}  // namespace ketenflow::store
