// A chain definition, indexed for the hot path.
//
// ChainModel wraps a ketenflow.v1.Chain (the schema of chain files) with
// lookups by id. It is immutable once built and safe to share between threads.
// Build one with make_chain_model(), which checks the definition and reports
// every problem; chain files are loaded by chain_file.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ketenflow/v1/chain.pb.h"
#include "model/result.h"

namespace date {
class time_zone;
}

namespace ketenflow::model {

struct MilestoneInfo {
  int stage = -1;             // index into ChainModel::def.stages()
  std::vector<int> partners;  // indexes into def.partners(), sorted
  bool terminal = false;
};

enum class MeasureKind { kDuration, kWithin, kWithout, kAllBefore };

// A measure of def.measures(), resolved to milestone indexes.
struct MeasureInfo {
  MeasureKind kind = MeasureKind::kDuration;
  int from = -1;  // milestone index; -1 when not given (all_before)
  int to = -1;
  std::vector<int> all;  // all_before: the milestones that must come first
  bool from_last = false;
  bool to_last = false;
  // Attribute filters, sorted by key.
  std::vector<std::pair<std::string, std::string>> where;
};

struct ChainModel {
  v1::Chain def;
  const date::time_zone* zone = nullptr;
  std::unordered_map<std::string, int> stage_index;
  std::unordered_map<std::string, int> milestone_index;
  std::unordered_map<std::string, int> partner_index;
  std::vector<MilestoneInfo> milestones;  // parallel to def.milestones()
  // norm_days[from * stage_count + to], negative when no norm is set.
  std::vector<double> norm_days;
  std::vector<MeasureInfo> measures;  // parallel to def.measures()
  std::unordered_map<std::string, int> measure_index;
  // Extra holidays of the chain as day numbers, ascending.
  std::vector<int32_t> holidays;
  // Attribute keys some measure filters on, ascending: all that ingest keeps
  // of an event's attributes.
  std::vector<std::string> filter_attributes;

  int stage_count() const { return def.stages_size(); }
  const std::string& stage_id(int stage) const { return def.stages(stage).id(); }
  uint32_t stage_rank(int stage) const { return def.stages(stage).rank(); }
  // Norm for the transition from -> to in days, if the chain sets one.
  std::optional<double> norm(int from, int to) const;
  // Index of a milestone, partner or stage, or -1.
  int milestone(std::string_view id) const;
  int partner(std::string_view id) const;
  int stage(std::string_view id) const;
  int measure(std::string_view id) const;
  bool partner_may_report(int milestone, int partner) const;
};

// For "did you mean" hints: the candidate within two edits of `name` (the
// nearest; on a tie the smallest), or "" when there is none.
std::string_view closest(std::string_view name, const std::vector<std::string_view>& candidates);

// Checks `def` (unique ids, known references, valid time zone, norms between
// known stages) and builds the lookups. Every problem is reported, one per
// line, in the error message.
Result<ChainModel> make_chain_model(v1::Chain def);

}  // namespace ketenflow::model
