#include "ingest/rebuild.h"

#include <map>

#include <xxhash.h>

#include "ingest/validate.h"
#include "kpi/projection.h"
#include "model/event.h"
#include "model/time.h"
#include "path/path.h"
#include "store/chains.h"
#include "store/client_events.h"
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
  kpi::ProjectionDelta delta;
  size_t clients_in_batch = 0;
  const auto flush = [&]() -> Status {
    kpi::write_projection(store, delta, batch);
    if (auto status = store.write(batch); !status) return status;
    batch.Clear();
    delta = kpi::ProjectionDelta{};
    clients_in_batch = 0;
    if (progress) progress(result.events);
    return ok_status();
  };

  auto status = store::for_each_client(
      store, {},
      [&](const std::string& chain_id, const std::string& client,
          std::vector<store::StoredClientEvent>& events) -> Status {
        result.events += events.size();
        auto found = by_id.find(chain_id);
        if (found == by_id.end()) {
          result.orphaned += events.size();
          return ok_status();
        }
        const model::ChainModel& chain = found->second;
        for (auto& e : events) {
          if (keep_read_attributes(e.event, chain) == 0) continue;
          // Attributes no where: of the chain reads any more (or stored before
          // ingest dropped them) are removed from the store.
          const std::string bytes = model::canonical_bytes(e.event);
          v1::StoredEvent stored;
          stored.set_event(bytes);
          stored.set_seq(e.seq);
          stored.set_stored_ms(e.stored_ms);
          batch.Put(store.cf(store::Cf::kEvents),
                    store::event_key(chain_id, client, model::to_ms(e.event.occurred_at()),
                                     e.event.event_id()),
                    stored.SerializeAsString());
          v1::EventIdRecord id_record;
          id_record.set_chain_id(chain_id);
          id_record.set_client_ref(client);
          id_record.set_payload_hash(XXH3_64bits(bytes.data(), bytes.size()));
          batch.Put(store.cf(store::Cf::kEventIds),
                    store::event_id_key(chain_id, e.event.event_id()),
                    id_record.SerializeAsString());
          ++result.attributes_dropped;
        }
        v1::ClientRecord record;
        for (const auto& e : events) {
          *record.add_events() = path::path_input(e.event, e.seq, chain.filter_attributes);
        }
        std::vector<v1::PathInput> inputs(record.events().begin(), record.events().end());
        kpi::project_client_change(chain, client, {}, inputs, delta);
        batch.Put(store.cf(store::Cf::kPaths), store::path_key(chain_id, client),
                  record.SerializeAsString());
        ++result.clients;
        if (++clients_in_batch >= kClientsPerBatch) return flush();
        return ok_status();
      });
  if (!status) return Error{status.error()};
  store.finish_rebuild(batch);
  if (auto status = flush(); !status) return Error{status.error()};
  if (auto status = store.settle(); !status) return Error{status.error()};
  return result;
}

}  // namespace ketenflow::ingest
