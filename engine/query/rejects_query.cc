#include "query/rejects_query.h"

namespace ketenflow::query {

Result<RejectPage> list_rejects(const store::Store& store, const RejectFilter& filter) {
  RejectPage out;
  auto it = store.iterate(store::Cf::kRejects);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const bool on_page =
        out.total >= filter.offset && (filter.limit == 0 || out.rejects.size() < filter.limit);
    if (!on_page && filter.code.empty()) {
      ++out.total;
      continue;
    }
    v1::Reject reject;
    if (!reject.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Error{"store reject record is corrupt"};
    }
    if (!filter.code.empty() && reject.code() != filter.code) continue;
    ++out.total;
    if (on_page) out.rejects.push_back(std::move(reject));
  }
  if (!it->status().ok()) return Error{"reading rejects: " + it->status().ToString()};
  return out;
}

}  // namespace ketenflow::query
