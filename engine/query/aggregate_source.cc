#include "query/aggregate_source.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "store/keys.h"

namespace ketenflow::query {
namespace {

// Visits what `entries.next` yields: (kpi key, encoded value) pairs in key
// order.
template <typename Entries>
Status visit_range(const std::string& chain, Entries& entries, const AggregateVisitor& visit) {
  std::string_view key, value;
  while (entries.next(key, value)) {
    auto parsed = store::parse_kpi_key(key, chain.size());
    if (!parsed) return Error{"store kpi key is corrupt"};
    AggregateEntry entry{parsed->day, static_cast<kpi::Measure>(parsed->measure), parsed->dim,
                         value};
    if (auto status = visit(entry); !status) return status;
  }
  return ok_status();
}

struct StoreEntries {
  rocksdb::Iterator* it;
  std::string end;
  bool first = true;

  bool next(std::string_view& key, std::string_view& value) {
    if (!first) it->Next();
    first = false;
    if (!it->Valid() || it->key().compare(end) >= 0) return false;
    key = std::string_view(it->key().data(), it->key().size());
    value = std::string_view(it->value().data(), it->value().size());
    return true;
  }
};

struct MemoryEntries {
  AggregateMap::const_iterator it;
  AggregateMap::const_iterator end;
  std::string encoded;

  bool next(std::string_view& key, std::string_view& value) {
    if (it == end) return false;
    key = it->first;
    encoded.clear();
    store::encode(it->second, &encoded);
    value = encoded;
    ++it;
    return true;
  }
};

}  // namespace

AggregateSource store_aggregates(const store::Store& store, std::string chain) {
  return {[&store, chain](int32_t from, int32_t to, const AggregateVisitor& visit) -> Status {
            auto it = store.iterate(store::Cf::kKpi);
            it->Seek(store::kpi_day_prefix(chain, from));
            StoreEntries entries{it.get(), store::kpi_day_prefix(chain, to)};
            if (auto status = visit_range(chain, entries, visit); !status) return status;
            if (!it->status().ok()) return Error{"reading KPIs: " + it->status().ToString()};
            return ok_status();
          },
          [&store, chain]() -> std::optional<DataDays> {
            // Keys are day first: the chain's first key and the one before
            // the end of its day range.
            const std::string begin = store::kpi_day_prefix(chain, INT32_MIN);
            const std::string end = chain + '\x01';  // ids hold no control characters
            auto it = store.iterate(store::Cf::kKpi);
            it->Seek(begin);
            if (!it->Valid() || it->key().compare(end) >= 0) return std::nullopt;
            auto first = store::parse_kpi_key(it->key().ToStringView(), chain.size());
            it->SeekForPrev(end);
            if (!it->Valid() || it->key().compare(begin) < 0 || !first) return std::nullopt;
            auto last = store::parse_kpi_key(it->key().ToStringView(), chain.size());
            if (!last) return std::nullopt;
            return DataDays{first->day, last->day};
          }};
}

Result<std::optional<int32_t>> last_data_day(const AggregateSource& source) {
  const std::optional<DataDays> days = source.days ? source.days() : std::nullopt;
  if (!days) return std::optional<int32_t>{};
  int64_t width = 32;
  for (int64_t to = std::min<int64_t>(int64_t{days->last} + 1, INT32_MAX); to > days->first;
       width *= 2) {
    const int64_t from = std::max<int64_t>(int64_t{days->first}, to - width);
    std::optional<int32_t> last;
    auto status = source.visit(
        static_cast<int32_t>(from), static_cast<int32_t>(to),
        [&](const AggregateEntry& e) -> Status {
          if (e.measure == kpi::Measure::kStageEntries && !store::is_empty_encoding(e.value)) {
            last = e.day;
          }
          return ok_status();
        });
    if (!status) return Error{status.error()};
    if (last) return last;
    to = from;
  }
  return std::optional<int32_t>{};
}

AggregateSource memory_aggregates(const AggregateMap& map, std::string chain) {
  // Both lambdas copy `chain`: a move into the first would leave the second
  // (initialised after it) an empty id.
  return {[&map, chain](int32_t from, int32_t to, const AggregateVisitor& visit) -> Status {
            MemoryEntries entries{map.lower_bound(store::kpi_day_prefix(chain, from)),
                                  map.lower_bound(store::kpi_day_prefix(chain, to)),
                                  {}};
            return visit_range(chain, entries, visit);
          },
          [&map, chain]() -> std::optional<DataDays> {
            auto first = map.lower_bound(store::kpi_day_prefix(chain, INT32_MIN));
            auto end = map.lower_bound(chain + '\x01');
            if (first == end || first == map.end()) return std::nullopt;
            auto a = store::parse_kpi_key(first->first, chain.size());
            auto b = store::parse_kpi_key(std::prev(end)->first, chain.size());
            if (!a || !b) return std::nullopt;
            return DataDays{a->day, b->day};
          }};
}

}  // namespace ketenflow::query
