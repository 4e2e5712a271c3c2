// Log-bucketed duration histogram (see histogram.h).
//
// Mapping: gamma = (1 + a) / (1 - a) = 101 / 99 for a = 1 %. Bucket i >= 0
// holds the durations v with gamma^(i-1) < v <= gamma^i and is represented by
// 2 gamma^i / (gamma + 1) = 0.99 gamma^i, which is within a of every value in
// the bucket. Durations are whole milliseconds, so v <= gamma^i is the same as
// v <= floor(gamma^i): bucket_of compares against a table of those integer
// thresholds, computed once in exact fixed-point arithmetic. std::log only
// makes the first guess, so a duration right next to a bucket boundary (there
// are hundreds above ~10^12 ms where a double log rounds onto the boundary)
// always lands in the same, mathematically right bucket, on any platform and
// libm. That matters because stored aggregates are later decremented by
// recomputing the bucket of a retracted contribution.
#include "kpi/histogram.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace ketenflow::kpi {
namespace {

// gamma = 101 / 99 as the exact ratio used by the threshold table.
constexpr uint64_t kGammaNum = 101;
constexpr uint64_t kGammaDen = 99;
constexpr double kGamma = 101.0 / 99.0;
// Representative value of bucket i is kRepresentative * gamma^i, where
// kRepresentative = 2 / (gamma + 1) = 0.99 (= 1 - a).
constexpr double kRepresentative = 1.0 - kRelativeAccuracy;
// Buckets 0 .. kTableSize - 1 have floor(gamma^i) <= INT64_MAX; every larger
// int64 duration is in bucket kTableSize.
constexpr int32_t kTableSize = 2184;

static_assert(kRelativeAccuracy == 0.01, "the threshold table is built for gamma = 101/99");

struct Table {
  // floor(gamma^i): bucket i holds the integers (threshold[i-1], threshold[i]].
  std::array<int64_t, kTableSize> threshold;
  // gamma^i as a double (exact to rounding).
  std::array<double, kTableSize> power;
  // 1 / ln(gamma), for the first guess in bucket_of.
  double inv_log_gamma;
};

// Builds the table by repeated multiplication by 101/99 in fixed point with a
// 64-bit integer part and 192 fraction bits. Each step truncates by less than
// 2^-192, so after 2184 steps the error is far below the distance of any
// gamma^i to the nearest integer and the floors are exact (the unit test
// checks a few against exact rational arithmetic).
Table build_table() {
  Table t{};
  t.inv_log_gamma = 1.0 / std::log1p(2.0 / 99.0);  // ln(101/99) = ln(1 + 2/99)
  // limb[0] is the integer part, limb[1..3] the fraction, most significant first.
  std::array<uint64_t, 4> x = {1, 0, 0, 0};
  for (int32_t i = 0; i < kTableSize; ++i) {
    t.threshold[i] = static_cast<int64_t>(x[0]);
    t.power[i] = static_cast<double>(x[0]) + std::ldexp(static_cast<double>(x[1]), -64);
    // x = x * 101 into five limbs (wide[0] takes the overflow), then / 99.
    std::array<uint64_t, 5> wide{};
    unsigned __int128 carry = 0;
    for (int k = 3; k >= 0; --k) {
      const unsigned __int128 p = static_cast<unsigned __int128>(x[k]) * kGammaNum + carry;
      wide[k + 1] = static_cast<uint64_t>(p);
      carry = p >> 64;
    }
    wide[0] = static_cast<uint64_t>(carry);
    unsigned __int128 rem = 0;
    for (uint64_t& limb : wide) {
      const unsigned __int128 cur = (rem << 64) | limb;
      limb = static_cast<uint64_t>(cur / kGammaDen);
      rem = cur % kGammaDen;
    }
    for (int k = 0; k < 4; ++k) x[k] = wide[k + 1];
  }
  return t;
}

const Table& table() {
  static const Table t = build_table();
  return t;
}

}  // namespace

int32_t bucket_of(int64_t ms) {
  if (ms < 1) return kZeroBucket;
  const Table& t = table();
  // Guess ceil(log_gamma(ms)), then settle on the smallest i with
  // ms <= threshold[i] (the guess is off by at most one near a boundary).
  int32_t i = static_cast<int32_t>(std::ceil(std::log(static_cast<double>(ms)) * t.inv_log_gamma));
  if (i < 0) i = 0;
  if (i > kTableSize) i = kTableSize;
  while (i < kTableSize && ms > t.threshold[i]) ++i;
  while (i > 0 && ms <= t.threshold[i - 1]) --i;
  return i;
}

double bucket_value(int32_t bucket) {
  if (bucket == kZeroBucket) return 0.0;
  if (bucket >= 0 && bucket < kTableSize) return kRepresentative * table().power[bucket];
  // Outside the table (never produced by bucket_of except kTableSize).
  return kRepresentative * std::pow(kGamma, bucket);
}

double quantile_ms(const Buckets& buckets, double q) {
  int64_t n = 0;
  for (const auto& [bucket, count] : buckets) {
    if (count > 0) n += count;
  }
  if (n == 0) return 0.0;
  if (!(q > 0.0)) q = 0.0;  // also NaN
  if (q > 1.0) q = 1.0;
  // Linear interpolation between the values at ranks floor(h) and ceil(h).
  const double h = q * static_cast<double>(n - 1);
  const int64_t lower = static_cast<int64_t>(std::floor(h));
  const int64_t upper = std::min<int64_t>(lower + 1, n - 1);
  const double weight = h - static_cast<double>(lower);
  int64_t seen = 0;
  double lower_value = 0.0;
  for (const auto& [bucket, count] : buckets) {
    if (count <= 0) continue;  // a retraction without its contribution: ignore
    const int64_t first_rank = seen;
    seen += count;
    if (first_rank <= lower && lower < seen) lower_value = bucket_value(bucket);
    if (upper < seen) return lower_value + weight * (bucket_value(bucket) - lower_value);
  }
  return lower_value;  // not reached: upper < n
}

}  // namespace ketenflow::kpi
