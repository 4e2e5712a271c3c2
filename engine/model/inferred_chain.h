// Chains inferred from a process-mining log: every activity is its own
// unranked stage (with one milestone of the same id), every org:group or
// resource is a partner that may report every milestone. The chain grows as
// new activities and partners appear in the log. An event whose log names no
// partner (neither org:group nor org:resource) counts under kUnknownPartner.
#pragma once

#include <string>
#include <string_view>

#include "model/chain.h"
#include "model/result.h"

namespace ketenflow::model {

// The partner of an inferred chain's events whose log names none.
inline constexpr std::string_view kUnknownPartner = "(unknown)";

// An empty inferred chain called `id` in `time_zone`.
Result<ChainModel> make_inferred_chain(const std::string& id, const std::string& time_zone);

// Adds `activity` and `partner` to an inferred chain where they are new.
// Returns true when the chain changed.
bool extend_inferred_chain(ChainModel& chain, std::string_view activity, std::string_view partner);

}  // namespace ketenflow::model
