#include "query/rejects_query.h"

namespace ketenflow::query {

Result<std::vector<v1::Reject>> list_rejects(const store::Store& store,
                                             const RejectFilter& filter) {
  std::vector<v1::Reject> out;
  auto it = store.iterate(store::Cf::kRejects);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::Reject reject;
    if (!reject.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Error{"store reject record is corrupt"};
    }
    if (!filter.code.empty() && reject.code() != filter.code) continue;
    out.push_back(std::move(reject));
    if (filter.limit != 0 && out.size() >= filter.limit) break;
  }
  if (!it->status().ok()) return Error{"reading rejects: " + it->status().ToString()};
  return out;
}

}  // namespace ketenflow::query
