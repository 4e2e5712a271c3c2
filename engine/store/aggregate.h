// Aggregate: the value of one `kpi` key — a count, a sum, a within-norm count
// and a sparse histogram, all signed so that a client's old contribution can be
// subtracted again (retract-and-reapply). Adding aggregates is associative and
// commutative, which is what makes KPIs independent of arrival order.
//
// Byte format (all integers zigzag varints): count, sum_ms, within,
// bucket_count, then bucket_count pairs (bucket delta from the previous bucket,
// count) in ascending bucket order. Buckets with count 0 are not written, so an
// aggregate that has cancelled out is exactly four 0 bytes.
// The store applies deltas with a RocksDB merge operator (see
// aggregate_merge_operator), so ingest never reads a KPI key.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace rocksdb {
class MergeOperator;
}

namespace ketenflow::store {

struct Aggregate {
  int64_t count = 0;
  int64_t sum_ms = 0;
  int64_t within = 0;
  std::map<int32_t, int64_t> buckets;

  bool empty() const { return count == 0 && sum_ms == 0 && within == 0 && buckets.empty(); }
};

// into += delta (buckets that reach 0 are removed).
void add(Aggregate& into, const Aggregate& delta);
// into += the aggregate encoded in `bytes`, without decoding it first; false
// (and `into` partly updated) when `bytes` is not a valid encoding.
bool add_encoded(Aggregate& into, std::string_view bytes);

void encode(const Aggregate& aggregate, std::string* out);
// False when `bytes` is not a valid encoding.
bool decode(std::string_view bytes, Aggregate* out);

// Whether `bytes` encode an aggregate that has cancelled out (all zero).
bool is_empty_encoding(std::string_view bytes);

// Merge operator "ketenflow.aggregate" adding encoded aggregates.
std::shared_ptr<rocksdb::MergeOperator> aggregate_merge_operator();

}  // namespace ketenflow::store
