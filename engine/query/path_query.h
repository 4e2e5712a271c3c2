// One client's path, rebuilt from the stored events (the same path builder
// the engine uses for KPIs).
#pragma once

#include <string>

#include "ketenflow/v1/path.pb.h"
#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::query {

// Error when the store holds no event of that client in that chain.
Result<v1::ClientPath> client_path(const store::Store& store, const model::ChainModel& chain,
                                   const std::string& client_ref);

}  // namespace ketenflow::query
