#include "query/as_of.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/projection.h"
#include "ketenflow/v1/event.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "path/path.h"
#include "store/keys.h"

namespace ketenflow::query {

Result<AggregateMap> aggregates_as_of(const store::Store& store, const model::ChainModel& chain,
                                      int64_t as_of_ms) {
  const std::string& id = chain.def.id();
  ingest::ProjectionDelta delta;
  std::string client, client_key;
  std::vector<v1::PathInput> events;
  const auto finish_client = [&] {
    if (events.empty()) return;
    ingest::project_client_change(chain, client, {}, events, delta);
    // Open visits are not aggregates: drop them so memory stays flat.
    delta.wip_added.clear();
    delta.wip_removed.clear();
    events.clear();
  };

  const std::string chain_prefix = store::client_prefix(id, "");
  // One pass over many events: read ahead, and keep them out of the block
  // cache (memory stays at the aggregates; the cache keeps serving queries).
  rocksdb::ReadOptions options;
  options.total_order_seek = true;
  options.fill_cache = false;
  options.readahead_size = size_t{4} << 20;
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(options, store.cf(store::Cf::kEvents)));
  v1::StoredEvent stored;
  v1::ClientEvent event;
  for (it->Seek(chain_prefix); it->Valid() && it->key().starts_with(chain_prefix); it->Next()) {
    if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Error{"store event is corrupt at key " + it->key().ToString(true)};
    }
    if (stored.stored_ms() > as_of_ms) continue;
    if (!event.ParseFromString(stored.event())) {
      return Error{"store event is corrupt at key " + it->key().ToString(true)};
    }
    // Keys are chain · client · …, so a client's events come together.
    if (client_key.empty() || !it->key().starts_with(client_key)) {
      finish_client();
      client = event.client_ref();
      client_key = store::client_prefix(id, client);
    }
    events.push_back(path::path_input(event, stored.seq(), chain.filter_attributes));
  }
  if (!it->status().ok()) return Error{"reading events: " + it->status().ToString()};
  finish_client();

  AggregateMap out;
  for (auto& [key, aggregate] : delta.kpi) {
    if (!aggregate.empty()) out.emplace(key, std::move(aggregate));
  }
  return out;
}

}  // namespace ketenflow::query
