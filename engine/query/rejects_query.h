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
  // Skip this many matching records first.
  uint64_t offset = 0;
  // At most this many (0 = all).
  uint64_t limit = 0;
};

struct RejectPage {
  std::vector<v1::Reject> rejects;
  // Every record that matches the filter, on this page or not.
  uint64_t total = 0;
};

// One page of the matching rejects, oldest first. Reads every reject key to
// count them (the records themselves only when filtering by code).
Result<RejectPage> list_rejects(const store::Store& store, const RejectFilter& filter);

}  // namespace ketenflow::query
