// Log-bucketed duration histogram: kpi/histogram.h.
#include "kpi/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ketenflow::kpi {
namespace {

// Relative accuracy plus room for the rounding of a double at exactly 1 %.
constexpr double kTolerance = kRelativeAccuracy + 1e-12;
constexpr double kQuantiles[] = {0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0};

// 100 000 durations from a fixed seed: 2 % zeros, the rest lognormal with a
// median of ~30 minutes spreading from seconds to months.
std::vector<int64_t> sample_durations() {
  std::mt19937_64 rng(20240301);
  std::lognormal_distribution<double> lognormal(std::log(30.0 * 60'000), 2.5);
  std::bernoulli_distribution zero(0.02);
  std::vector<int64_t> values;
  values.reserve(100'000);
  while (values.size() < 100'000) {
    values.push_back(zero(rng) ? 0 : std::llround(lognormal(rng)));
  }
  return values;
}

Buckets build(const std::vector<int64_t>& values) {
  Buckets buckets;
  for (int64_t v : values) ++buckets[bucket_of(v)];
  return buckets;
}

// The exact q-quantile as numpy.quantile computes it by default: linear
// interpolation between the values at ranks floor(h) and floor(h) + 1, with
// h = q * (n - 1).
double exact_quantile(std::vector<int64_t> sorted, double q) {
  std::sort(sorted.begin(), sorted.end());
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(h));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  return static_cast<double>(sorted[lower]) +
         (h - std::floor(h)) * static_cast<double>(sorted[upper] - sorted[lower]);
}

TEST(Histogram, SampleSpreadsSecondsToMonths) {
  const std::vector<int64_t> values = sample_durations();
  EXPECT_LT(exact_quantile(values, 0.05), 60'000);            // under a minute
  EXPECT_GT(exact_quantile(values, 0.99), 7 * 86'400'000LL);  // over a week
  EXPECT_GT(std::count(values.begin(), values.end(), 0), 1'500);
}

TEST(Histogram, QuantilesWithinOnePercent) {
  const std::vector<int64_t> values = sample_durations();
  const Buckets buckets = build(values);
  for (double q : kQuantiles) {
    const double exact = exact_quantile(values, q);
    const double estimate = quantile_ms(buckets, q);
    if (exact == 0) {
      EXPECT_EQ(estimate, 0.0) << "q=" << q;
    } else {
      EXPECT_LE(std::fabs(estimate - exact) / exact, kTolerance)
          << "q=" << q << " exact=" << exact << " estimate=" << estimate;
    }
  }
  // The median is in the tens of minutes, the 99th percentile in weeks.
  EXPECT_GT(quantile_ms(buckets, 0.5), 10 * 60'000);
  EXPECT_LT(quantile_ms(buckets, 0.5), 60 * 60'000);
}

TEST(Histogram, MedianOfAnEvenNumberOfValuesIsTheMidpointOfTheTwoMiddleOnes) {
  // One hour and three hours: the median is two hours, not the lower one.
  const Buckets two = build({3'600'000, 10'800'000});
  EXPECT_NEAR(quantile_ms(two, 0.5), 7'200'000, 7'200'000 * kTolerance);
  // 1, 2, 3 and 10 days: median 2.5 days; p80 at h = 2.4 is 3 + 0.4 * 7 days.
  const int64_t day = 86'400'000;
  const Buckets four = build({10 * day, 1 * day, 3 * day, 2 * day});
  EXPECT_NEAR(quantile_ms(four, 0.5), 2.5 * day, 2.5 * day * kTolerance);
  EXPECT_NEAR(quantile_ms(four, 0.8), 5.8 * day, 5.8 * day * kTolerance);
  // An odd number of values: the middle one.
  const Buckets three = build({1 * day, 2 * day, 9 * day});
  EXPECT_NEAR(quantile_ms(three, 0.5), 2.0 * day, 2.0 * day * kTolerance);
  // Interpolating towards a value below 1 ms (the zero bucket) stays exact at 0.
  const Buckets with_zero = build({0, 0, 4'000});
  EXPECT_EQ(quantile_ms(with_zero, 0.5), 0.0);
  EXPECT_NEAR(quantile_ms(with_zero, 0.75), 2'000, 2'000 * kTolerance);
}

TEST(Histogram, EveryValueWithinOnePercentOfItsBucket) {
  for (int64_t v : sample_durations()) {
    const double represented = bucket_value(bucket_of(v));
    if (v == 0) {
      EXPECT_EQ(represented, 0.0);
    } else {
      ASSERT_LE(std::fabs(represented - v) / v, kTolerance) << v;
    }
  }
  for (int64_t v = 1; v < 200'000; ++v) {
    ASSERT_LE(std::fabs(bucket_value(bucket_of(v)) - v) / v, kTolerance) << v;
  }
  for (int64_t v = 1; v < (int64_t{1} << 62); v = v * 3 + 1) {
    ASSERT_LE(std::fabs(bucket_value(bucket_of(v)) - v) / v, kTolerance) << v;
  }
}

TEST(Histogram, SubtractingContributionsMatchesRebuilding) {
  const std::vector<int64_t> values = sample_durations();
  Buckets buckets = build(values);

  // Retract a random third of the contributions.
  std::mt19937_64 rng(7);
  std::bernoulli_distribution retract(1.0 / 3);
  std::vector<int64_t> remaining;
  for (int64_t v : values) {
    if (retract(rng)) {
      --buckets[bucket_of(v)];
    } else {
      remaining.push_back(v);
    }
  }
  ASSERT_GT(remaining.size(), 60'000u);
  ASSERT_LT(remaining.size(), 70'000u);

  const Buckets rebuilt = build(remaining);
  for (double q : {0.0, 0.1, 0.25, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    EXPECT_EQ(quantile_ms(buckets, q), quantile_ms(rebuilt, q)) << "q=" << q;
    const double exact = exact_quantile(remaining, q);
    if (exact > 0) {
      EXPECT_LE(std::fabs(quantile_ms(buckets, q) - exact) / exact, kTolerance) << "q=" << q;
    }
  }
  // Same counts, apart from buckets left at zero.
  Buckets nonzero;
  for (const auto& [bucket, count] : buckets) {
    ASSERT_GE(count, 0);
    if (count > 0) nonzero[bucket] = count;
  }
  EXPECT_EQ(nonzero, rebuilt);

  // Retracting the rest empties the histogram.
  for (int64_t v : remaining) --buckets[bucket_of(v)];
  EXPECT_EQ(quantile_ms(buckets, 0.5), 0.0);
}

TEST(Histogram, IgnoresNonPositiveCounts) {
  const Buckets clean = {{bucket_of(1'000), 3}, {bucket_of(60'000), 2}};
  Buckets dirty = clean;
  dirty[bucket_of(10)] = -4;  // a retraction that arrived without its contribution
  dirty[bucket_of(5'000)] = 0;
  dirty[kZeroBucket] = -1;
  for (double q : kQuantiles) EXPECT_EQ(quantile_ms(dirty, q), quantile_ms(clean, q)) << q;
  EXPECT_EQ(quantile_ms(clean, 0.0), bucket_value(bucket_of(1'000)));
  EXPECT_EQ(quantile_ms(clean, 0.5), bucket_value(bucket_of(1'000)));    // rank 2 of 0..4
  EXPECT_EQ(quantile_ms(clean, 0.75), bucket_value(bucket_of(60'000)));  // rank 3
}

TEST(Histogram, EmptyHistogram) {
  EXPECT_EQ(quantile_ms({}, 0.5), 0.0);
  EXPECT_EQ(quantile_ms({}, 0.0), 0.0);
  EXPECT_EQ(quantile_ms({}, 1.0), 0.0);
  EXPECT_EQ(quantile_ms({{bucket_of(1'000), 0}, {kZeroBucket, 0}}, 0.5), 0.0);
}

TEST(Histogram, QuantileInterpolatesBetweenTheRanksAroundQTimesNMinusOne) {
  // Values 1 s, 2 s, ... 10 s: h = q * 9, between ranks floor(h) and floor(h) + 1.
  Buckets buckets;
  for (int64_t s = 1; s <= 10; ++s) ++buckets[bucket_of(s * 1'000)];
  const auto v = [](int64_t ms) { return bucket_value(bucket_of(ms)); };
  EXPECT_EQ(quantile_ms(buckets, 0.0), v(1'000));
  EXPECT_DOUBLE_EQ(quantile_ms(buckets, 0.5), v(5'000) + 0.5 * (v(6'000) - v(5'000)));   // h 4.5
  EXPECT_DOUBLE_EQ(quantile_ms(buckets, 0.9), v(9'000) + 0.1 * (v(10'000) - v(9'000)));  // 8.1
  EXPECT_DOUBLE_EQ(quantile_ms(buckets, 0.99), v(9'000) + 0.91 * (v(10'000) - v(9'000)));
  EXPECT_EQ(quantile_ms(buckets, 1.0), v(10'000));
  // On a rank exactly (h = 3): that value, nothing added.
  EXPECT_EQ(quantile_ms(buckets, 1.0 / 3.0), v(4'000));
  // q outside [0, 1] is clamped.
  EXPECT_EQ(quantile_ms(buckets, -1.0), quantile_ms(buckets, 0.0));
  EXPECT_EQ(quantile_ms(buckets, 2.0), quantile_ms(buckets, 1.0));
  // Single value: every quantile is that value.
  const Buckets one = {{bucket_of(42'000), 1}};
  for (double q : kQuantiles) EXPECT_EQ(quantile_ms(one, q), bucket_value(bucket_of(42'000)));
}

TEST(Histogram, BucketBoundaries) {
  // Below 1 ms.
  EXPECT_EQ(bucket_of(0), kZeroBucket);
  EXPECT_EQ(bucket_of(-5), kZeroBucket);
  EXPECT_EQ(bucket_value(kZeroBucket), 0.0);
  // Bucket i holds (gamma^(i-1), gamma^i], gamma = 101/99; values checked
  // against exact rational arithmetic (floor(101^i / 99^i)).
  EXPECT_EQ(bucket_of(1), 0);  // gamma^0 = 1 is the top of bucket 0
  EXPECT_EQ(bucket_of(2), 35);
  EXPECT_EQ(bucket_of(3), 55);
  EXPECT_EQ(bucket_of(10), 116);
  EXPECT_EQ(bucket_of(1'000), 346);
  EXPECT_EQ(bucket_of(1'001), 346);
  EXPECT_EQ(bucket_of(60'000), 551);
  EXPECT_EQ(bucket_of(3'600'000), 755);
  EXPECT_EQ(bucket_of(86'400'000), 914);
  EXPECT_EQ(bucket_of(2'592'000'000), 1084);  // 30 days
  EXPECT_EQ(bucket_of(485'488'766), 1000);    // floor(gamma^1000)
  EXPECT_EQ(bucket_of(485'488'767), 1001);
  // Integers within 1e-13 of a boundary, where ceil(log(v) / log(gamma)) in
  // doubles gives the wrong bucket; the threshold table does not.
  EXPECT_EQ(bucket_of(532'527'328'321), 1350);  // floor(gamma^1350)
  EXPECT_EQ(bucket_of(532'527'328'322), 1351);
  EXPECT_EQ(bucket_of(8'934'971'364'302), 1491);  // floor(gamma^1491)
  EXPECT_EQ(bucket_of(8'934'971'364'303), 1492);
  EXPECT_EQ(bucket_of(INT64_MAX), 2184);

  // Representative values: 2 gamma^i / (gamma + 1) = 0.99 gamma^i.
  const double gamma = 101.0 / 99.0;
  EXPECT_DOUBLE_EQ(bucket_value(0), 0.99);
  for (int32_t i : {1, 35, 346, 1350, 2183, 2184, 3000}) {
    const double expected = 0.99 * std::pow(gamma, i);
    EXPECT_NEAR(bucket_value(i) / expected, 1.0, 1e-12) << i;
  }
  for (int32_t i = 0; i < 2200; ++i) {
    ASSERT_NEAR(bucket_value(i + 1) / bucket_value(i), gamma, 1e-12) << i;
  }

  // Monotone, and every bucket boundary is stable: the largest value of a
  // bucket and the next integer land in consecutive non-empty buckets.
  int32_t previous = bucket_of(1);
  for (int64_t v = 2; v < 5'000'000; ++v) {
    const int32_t b = bucket_of(v);
    ASSERT_GE(b, previous) << v;
    ASSERT_LE(bucket_value(b) / 0.99, gamma * v * (1 + 1e-12)) << v;  // gamma^(b-1) < v
    ASSERT_GE(bucket_value(b) / 0.99, v * (1 - 1e-12)) << v;          // v <= gamma^b
    previous = b;
  }
  // A pure function: the same value always gives the same bucket.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket_of(532'527'328'322), 1351);
}

}  // namespace
}  // namespace ketenflow::kpi
