#include "store/client_events.h"

#include <memory>

#include "ketenflow/v1/store.pb.h"
#include "store/keys.h"

namespace ketenflow::store {

Status for_each_client(const Store& store, const ClientScan& scan, const ClientVisitor& client) {
  rocksdb::ReadOptions options;
  options.total_order_seek = true;
  if (scan.bulk) {
    options.fill_cache = false;
    options.readahead_size = size_t{4} << 20;
  }
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(options, store.cf(Cf::kEvents)));
  std::string chain_id, client_ref, client_key;
  std::vector<StoredClientEvent> events;
  const auto finish = [&]() -> Status {
    if (events.empty()) return ok_status();
    Status status = client(chain_id, client_ref, events);
    events.clear();
    return status;
  };
  v1::StoredEvent stored;
  for (it->Seek(scan.prefix); it->Valid() && it->key().starts_with(scan.prefix); it->Next()) {
    StoredClientEvent e;
    if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        !e.event.ParseFromString(stored.event())) {
      return Error{"store event is corrupt at key " + it->key().ToString(true)};
    }
    if (client_key.empty() || !it->key().starts_with(client_key)) {
      if (auto status = finish(); !status) return status;
      chain_id = e.event.chain_id();
      client_ref = e.event.client_ref();
      client_key = client_prefix(chain_id, client_ref);
    }
    e.seq = stored.seq();
    e.stored_ms = stored.stored_ms();
    events.push_back(std::move(e));
  }
  if (!it->status().ok()) return Error{"reading events: " + it->status().ToString()};
  return finish();
}

}  // namespace ketenflow::store
