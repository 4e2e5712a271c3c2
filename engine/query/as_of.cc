#include "query/as_of.h"

#include <string>
#include <vector>

#include "ketenflow/v1/event.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "kpi/projection.h"
#include "path/path.h"
#include "store/client_events.h"
#include "store/keys.h"

namespace ketenflow::query {

Result<AggregateMap> aggregates_as_of(const store::Store& store, const model::ChainModel& chain,
                                      int64_t as_of_ms, const Budget* budget) {
  kpi::ProjectionDelta delta;
  std::vector<v1::PathInput> inputs;
  BudgetPoll poll(budget, 16);
  const store::ClientScan scan{store::client_prefix(chain.def.id(), ""), /*bulk=*/true};
  auto status = store::for_each_client(
      store, scan,
      [&](const std::string&, const std::string& client,
          std::vector<store::StoredClientEvent>& events) -> Status {
        if (auto within = poll.tick(); !within) return within;
        inputs.clear();
        for (const auto& e : events) {
          if (e.stored_ms > as_of_ms) continue;
          inputs.push_back(path::path_input(e.event, e.seq, chain.filter_attributes));
        }
        if (inputs.empty()) return ok_status();
        kpi::project_client_change(chain, client, {}, inputs, delta);
        // Open visits are not aggregates: drop them so memory stays flat.
        delta.wip_added.clear();
        delta.wip_removed.clear();
        return ok_status();
      });
  if (!status) return Error{status.error()};

  AggregateMap out;
  for (auto& [key, aggregate] : delta.kpi) {
    if (!aggregate.empty()) out.emplace(key, std::move(aggregate));
  }
  return out;
}

}  // namespace ketenflow::query
