// The records the engine rejected, oldest first, with their reasons.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ketenflow/v1/store.pb.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::query {

struct RejectFilter {
  // Only this reason code; all when empty.
  std::string code;
  // At most this many (0 = all).
  uint64_t limit = 0;
};

Result<std::vector<v1::Reject>> list_rejects(const store::Store& store, const RejectFilter& filter);

}  // namespace ketenflow::query
