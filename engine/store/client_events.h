// The stored events of one client after another: one pass over the `events`
// family, whose keys (chain · client · occurred_at · event_id, keys.h) keep a
// client's events together. Rebuild, as-of reports and export read the store
// this way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ketenflow/v1/event.pb.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::store {

struct StoredClientEvent {
  v1::ClientEvent event;
  uint64_t seq = 0;       // arrival order in this store
  int64_t stored_ms = 0;  // when the engine stored it (0 before it was recorded)
};

struct ClientScan {
  // client_prefix(chain, "") for one chain; empty for the whole store.
  std::string prefix;
  // One pass over many events: read ahead and keep them out of the block
  // cache, which goes on serving queries.
  bool bulk = false;
};

// Calls `client(chain_id, client_ref, events)` for every client under
// `scan.prefix`, its events in key order. Stops at the first error `client`
// returns; an error too for an unreadable event.
using ClientVisitor =
    std::function<Status(const std::string& chain_id, const std::string& client_ref,
                         std::vector<StoredClientEvent>& events)>;
Status for_each_client(const Store& store, const ClientScan& scan, const ClientVisitor& client);

}  // namespace ketenflow::store
