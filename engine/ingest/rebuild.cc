#include "ingest/rebuild.h"

#include <map>

#include "ingest/projection.h"
#include "path/path.h"
#include "store/chains.h"
#include "store/keys.h"

namespace ketenflow::ingest {
namespace {

constexpr size_t kClientsPerBatch = 20000;

}  // namespace

Result<RebuildResult> rebuild(store::Store& store, std::vector<model::ChainModel> chains,
                              const std::function<void(uint64_t)>& progress) {
  auto recorded = store::load_chains(store);
  if (!recorded) return Error{recorded.error()};
  std::map<std::string, model::ChainModel> by_id;
  for (auto& chain : *recorded) by_id.insert_or_assign(chain.def.id(), std::move(chain));
  rocksdb::WriteBatch batch;
  for (auto& chain : chains) {
    store::put_chain(store, batch, chain.def);
    by_id.insert_or_assign(chain.def.id(), std::move(chain));
  }
  if (auto status = store.begin_rebuild({store::Cf::kPaths, store::Cf::kKpi, store::Cf::kWip});
      !status) {
    return Error{status.error()};
  }

  RebuildResult result;
  ProjectionDelta delta;
  size_t clients_in_batch = 0;
  const auto flush = [&]() -> Status {
    write_projection(store, delta, batch);
    if (auto status = store.write(batch); !status) return status;
    batch.Clear();
    delta = ProjectionDelta{};
    clients_in_batch = 0;
    if (progress) progress(result.events);
    return ok_status();
  };

  std::string chain_id, client;
  v1::ClientRecord record;
  const auto finish_client = [&]() {
    if (record.events().empty()) return;
    auto chain = by_id.find(chain_id);
    if (chain == by_id.end()) {
      result.orphaned += record.events_size();
    } else {
      std::vector<v1::PathInput> events(record.events().begin(), record.events().end());
      project_client_change(chain->second, client, {}, events, delta);
      batch.Put(store.cf(store::Cf::kPaths), store::path_key(chain_id, client),
                record.SerializeAsString());
      ++result.clients;
      ++clients_in_batch;
    }
    record.Clear();
  };

  auto it = store.iterate(store::Cf::kEvents);
  std::string prefix;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::StoredEvent stored;
    v1::ClientEvent event;
    if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        !event.ParseFromString(stored.event())) {
      return Error{"store event is corrupt at key " + it->key().ToString(true)};
    }
    if (prefix.empty() || !it->key().starts_with(prefix)) {
      finish_client();
      if (clients_in_batch >= kClientsPerBatch) {
        if (auto status = flush(); !status) return Error{status.error()};
      }
      chain_id = event.chain_id();
      client = event.client_ref();
      prefix = store::client_prefix(chain_id, client);
    }
    auto chain = by_id.find(chain_id);
    *record.add_events() =
        path::path_input(event, stored.seq(),
                         chain == by_id.end() ? std::span<const std::string>()
                                              : std::span(chain->second.filter_attributes));
    ++result.events;
  }
  if (!it->status().ok()) return Error{"reading events: " + it->status().ToString()};
  finish_client();
  store.finish_rebuild(batch);
  if (auto status = flush(); !status) return Error{status.error()};
  if (auto status = store.settle(); !status) return Error{status.error()};
  return result;
}

}  // namespace ketenflow::ingest
