// Log-bucketed duration histogram (DDSketch-style) that can be added to and
// subtracted from, so per-client contributions can be retracted again.
//
// Values are non-negative durations in milliseconds. Every value lands in a
// bucket whose representative value is within kRelativeAccuracy (1 %) of it;
// values below 1 ms share bucket kZeroBucket. Quantiles are therefore within
// 1 % of the exact value at the same rank. Buckets are plain int32 indexes so
// the store can add histograms without knowing this mapping.
#pragma once

#include <cstdint>
#include <map>

namespace ketenflow::kpi {

inline constexpr double kRelativeAccuracy = 0.01;
inline constexpr int32_t kZeroBucket = INT32_MIN;

// Bucket of a duration in ms (>= 0).
int32_t bucket_of(int64_t ms);
// Representative value of a bucket in ms (0 for kZeroBucket).
double bucket_value(int32_t bucket);

// Sparse bucket -> count. Counts are >= 0 in any sum of whole contributions.
using Buckets = std::map<int32_t, int64_t>;

// The q-quantile of the values, estimated from the buckets, as numpy, pandas
// and Excel's PERCENTILE.INC define it: with h = q * (count - 1), the value at
// rank floor(h) of the sorted values plus (h - floor(h)) times the step to the
// value at rank floor(h) + 1. So the median of an even number of values is the
// midpoint of the two middle ones. q in [0, 1]; 0 when the histogram is empty.
double quantile_ms(const Buckets& buckets, double q);

}  // namespace ketenflow::kpi
