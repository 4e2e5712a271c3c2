#include "kpi/contributions.h"

#include "kpi/histogram.h"
#include "kpi/measures.h"
#include "model/time.h"

namespace ketenflow::kpi {
namespace {

constexpr char kPairSeparator = '\x1f';

}  // namespace

std::string pair_dim(std::string_view from, std::string_view to) {
  std::string dim;
  dim.reserve(from.size() + 1 + to.size());
  dim.append(from).push_back(kPairSeparator);
  dim.append(to);
  return dim;
}

std::pair<std::string_view, std::string_view> split_pair_dim(std::string_view dim) {
  const size_t at = dim.find(kPairSeparator);
  if (at == std::string_view::npos) return {dim, {}};
  return {dim.substr(0, at), dim.substr(at + 1)};
}

std::vector<Contribution> contributions(const model::ChainModel& chain, const path::Path& path,
                                        std::span<const v1::PathInput> events) {
  std::vector<Contribution> out;
  if (path.order.empty()) return out;
  const auto day = [&](int64_t ms) { return model::local_day(ms, chain.zone); };
  const auto count = [&](Measure m, int64_t at, const std::string& dim) {
    out.push_back({m, day(at), dim, -1, false});
  };

  for (size_t i = 0; i < path.visits.size(); ++i) {
    const path::Visit& visit = path.visits[i];
    const std::string& stage = chain.stage_id(visit.stage);
    count(Measure::kStageEntries, visit.entered_ms, stage);
    if (visit.reentry) count(Measure::kStageReentries, visit.entered_ms, stage);
    if (visit.left_ms) count(Measure::kStageExits, *visit.left_ms, stage);
    if (i + 1 == path.visits.size()) continue;

    const path::Visit& next = path.visits[i + 1];
    const int32_t closed = day(next.entered_ms);
    out.push_back({Measure::kStageDuration, closed, stage, next.entered_ms - visit.entered_ms});
    const int64_t delay = next.entered_ms - visit.last_event_ms;
    const auto norm = chain.norm(visit.stage, next.stage);
    const bool within = norm && static_cast<double>(delay) <= *norm * model::kMsPerDay;
    out.push_back({Measure::kTransitionDelay, closed, pair_dim(stage, chain.stage_id(next.stage)),
                   delay, within});
    const int from = path::last_partner(chain, path, events, visit);
    const int to = path::first_partner(chain, path, events, next);
    if (from != to && from >= 0 && to >= 0) {
      out.push_back({Measure::kHandoverDelay, closed,
                     pair_dim(chain.def.partners(from).id(), chain.def.partners(to).id()), delay,
                     within});
    }
  }

  const int64_t first = events[path.order.front()].occurred_ms();
  const int64_t last = events[path.order.back()].occurred_ms();
  out.push_back({Measure::kCaseDuration, day(last), "", last - first});
  if (path.completed_ms) {
    out.push_back({Measure::kLeadTime, day(*path.completed_ms), "", *path.completed_ms - first});
  }
  add_measure_contributions(chain, path, events, out);
  return out;
}

void add_contribution(store::Aggregate& into, const Contribution& c, int sign) {
  into.count += sign;
  if (c.within_norm) into.within += sign;
  if (c.value_ms < 0) return;
  into.sum_ms += sign * c.value_ms;
  auto [it, inserted] = into.buckets.try_emplace(bucket_of(c.value_ms), sign);
  if (!inserted) {
    it->second += sign;
    if (it->second == 0) into.buckets.erase(it);
  }
}

}  // namespace ketenflow::kpi
