#include "store/chains.h"

#include "store/keys.h"

namespace ketenflow::store {

Result<std::vector<model::ChainModel>> load_chains(const Store& store) {
  std::vector<model::ChainModel> chains;
  auto it = store.iterate(Cf::kMeta);
  for (it->Seek(rocksdb::Slice(kChainMetaPrefix.data(), kChainMetaPrefix.size()));
       it->Valid() &&
       it->key().starts_with(rocksdb::Slice(kChainMetaPrefix.data(), kChainMetaPrefix.size()));
       it->Next()) {
    v1::Chain def;
    if (!def.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Error{"store meta " + it->key().ToString() + " is corrupt"};
    }
    auto model = model::make_chain_model(std::move(def));
    if (!model) return Error{"stored chain is invalid: " + model.error()};
    chains.push_back(std::move(*model));
  }
  if (!it->status().ok()) return Error{"reading chains from store: " + it->status().ToString()};
  return chains;
}

Result<model::ChainModel> load_chain(const Store& store, const std::string& id) {
  auto chains = load_chains(store);
  if (!chains) return Error{chains.error()};
  std::string known;
  for (auto& chain : *chains) {
    if (chain.def.id() == id) return std::move(chain);
    known += (known.empty() ? "" : ", ") + chain.def.id();
  }
  return Error{"unknown chain \"" + id + "\" (the store has: " +
               (known.empty() ? std::string("no chains yet") : known) + ")"};
}

void put_chain(const Store& store, rocksdb::WriteBatch& batch, const v1::Chain& def) {
  batch.Put(store.cf(Cf::kMeta), chain_meta_key(def.id()), def.SerializeAsString());
}

}  // namespace ketenflow::store
