// Chain definitions recorded in the store's meta family, so that queries and
// rebuild read the definition the data was built with.
#pragma once

#include <string>
#include <vector>

#include <rocksdb/write_batch.h>

#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::store {

// The chains recorded in `store` (empty for a new store), sorted by id.
Result<std::vector<model::ChainModel>> load_chains(const Store& store);
// One recorded chain, or an error naming the known ones.
Result<model::ChainModel> load_chain(const Store& store, const std::string& id);
// Records `def` with the next write of `batch`.
void put_chain(const Store& store, rocksdb::WriteBatch& batch, const v1::Chain& def);

}  // namespace ketenflow::store
