#include "store/aggregate.h"

#include <rocksdb/merge_operator.h>

namespace ketenflow::store {
namespace {

void put_varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void put_signed(std::string* out, int64_t v) {
  put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

bool get_varint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool get_signed(std::string_view* in, int64_t* v) {
  uint64_t raw;
  if (!get_varint(in, &raw)) return false;
  *v = static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  return true;
}

class AggregateMergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    Aggregate sum;
    if (existing != nullptr &&
        !decode(std::string_view(existing->data(), existing->size()), &sum)) {
      return false;
    }
    if (!add_encoded(sum, std::string_view(value.data(), value.size()))) return false;
    new_value->clear();
    encode(sum, new_value);
    return true;
  }
  const char* Name() const override { return "ketenflow.aggregate"; }
};

// Adds `count` to `bucket`; `hint` moves forward through ascending buckets so
// a sorted histogram is added without searching from the root each time.
void add_bucket(std::map<int32_t, int64_t>& buckets, std::map<int32_t, int64_t>::iterator& hint,
                int32_t bucket, int64_t count) {
  if (hint != buckets.end() && hint->first < bucket) hint = buckets.lower_bound(bucket);
  if (hint != buckets.end() && hint->first == bucket) {
    hint->second += count;
    if (hint->second == 0) hint = buckets.erase(hint);
  } else if (count != 0) {
    buckets.emplace_hint(hint, bucket, count);
  }
}

}  // namespace

void add(Aggregate& into, const Aggregate& delta) {
  into.count += delta.count;
  into.sum_ms += delta.sum_ms;
  into.within += delta.within;
  auto hint = into.buckets.begin();
  for (const auto& [bucket, count] : delta.buckets) add_bucket(into.buckets, hint, bucket, count);
}

bool add_encoded(Aggregate& into, std::string_view bytes) {
  int64_t count, sum, within;
  uint64_t buckets;
  if (!get_signed(&bytes, &count) || !get_signed(&bytes, &sum) || !get_signed(&bytes, &within) ||
      !get_varint(&bytes, &buckets)) {
    return false;
  }
  into.count += count;
  into.sum_ms += sum;
  into.within += within;
  int64_t bucket = 0;
  auto hint = into.buckets.begin();
  for (uint64_t i = 0; i < buckets; ++i) {
    int64_t step, n;
    if (!get_signed(&bytes, &step) || !get_signed(&bytes, &n)) return false;
    bucket += step;
    if (bucket < INT32_MIN || bucket > INT32_MAX) return false;
    add_bucket(into.buckets, hint, static_cast<int32_t>(bucket), n);
  }
  return bytes.empty();
}

void encode(const Aggregate& aggregate, std::string* out) {
  put_signed(out, aggregate.count);
  put_signed(out, aggregate.sum_ms);
  put_signed(out, aggregate.within);
  put_varint(out, aggregate.buckets.size());
  int64_t previous = 0;
  for (const auto& [bucket, count] : aggregate.buckets) {
    put_signed(out, static_cast<int64_t>(bucket) - previous);
    put_signed(out, count);
    previous = bucket;
  }
}

bool decode(std::string_view bytes, Aggregate* out) {
  *out = Aggregate{};
  uint64_t buckets;
  if (!get_signed(&bytes, &out->count) || !get_signed(&bytes, &out->sum_ms) ||
      !get_signed(&bytes, &out->within) || !get_varint(&bytes, &buckets)) {
    return false;
  }
  int64_t bucket = 0;
  for (uint64_t i = 0; i < buckets; ++i) {
    int64_t step, count;
    if (!get_signed(&bytes, &step) || !get_signed(&bytes, &count)) return false;
    bucket += step;
    if (bucket < INT32_MIN || bucket > INT32_MAX) return false;
    out->buckets.emplace_hint(out->buckets.end(), static_cast<int32_t>(bucket), count);
  }
  return bytes.empty();
}

bool is_empty_encoding(std::string_view bytes) { return bytes == std::string_view("\0\0\0\0", 4); }

std::shared_ptr<rocksdb::MergeOperator> aggregate_merge_operator() {
  return std::make_shared<AggregateMergeOperator>();
}

}  // namespace ketenflow::store
