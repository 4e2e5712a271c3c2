#include "kpi/measures.h"

#include <cmath>
#include <optional>

#include "kpi/working_days.h"
#include "model/time.h"

namespace ketenflow::kpi {
namespace {

using model::MeasureKind;

bool matches(const v1::PathInput& event, const model::MeasureInfo& info) {
  for (const auto& [key, value] : info.where) {
    bool found = false;
    for (const auto& attribute : event.attributes()) {
      if (attribute.key() == key) {
        found = attribute.value() == value;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

struct Client {
  const model::ChainModel& chain;
  const path::Path& path;
  std::span<const v1::PathInput> events;
  std::vector<int> milestone;  // per position in path.order

  const v1::PathInput& at(size_t pos) const { return events[path.order[pos]]; }
  int64_t ms(size_t pos) const { return at(pos).occurred_ms(); }
  int32_t day(size_t pos) const { return model::local_day(ms(pos), chain.zone); }

  // First (or last) position of `m` after `after` (or anywhere), passing
  // the measure's `where` filter when `filtered`.
  std::optional<size_t> find(int m, bool last, std::optional<size_t> after,
                             const model::MeasureInfo* filtered) const {
    std::optional<size_t> found;
    for (size_t pos = after ? *after + 1 : 0; pos < milestone.size(); ++pos) {
      if (milestone[pos] != m) continue;
      if (filtered && !matches(at(pos), *filtered)) continue;
      found = pos;
      if (!last) break;
    }
    return found;
  }
};

// Whether `b` lies within the measure's days after `a` (norm or window).
bool in_time(const Client& c, const v1::MeasureDef& def, size_t a, size_t b) {
  if (def.working_days()) {
    const int32_t limit =
        add_working_days(c.day(a), static_cast<int32_t>(def.days()), c.chain.holidays);
    return c.day(b) <= limit;
  }
  return static_cast<double>(c.ms(b) - c.ms(a)) <= def.days() * model::kMsPerDay;
}

// The local day the window started at `a` ends.
int32_t window_end(const Client& c, const v1::MeasureDef& def, size_t a) {
  if (def.working_days()) {
    return add_working_days(c.day(a), static_cast<int32_t>(def.days()), c.chain.holidays);
  }
  return model::local_day(c.ms(a) + std::llround(def.days() * model::kMsPerDay), c.chain.zone);
}

}  // namespace

void add_measure_contributions(const model::ChainModel& chain, const path::Path& path,
                               std::span<const v1::PathInput> events,
                               std::vector<Contribution>& out) {
  if (chain.measures.empty() || path.order.empty()) return;
  Client c{chain, path, events, {}};
  c.milestone.reserve(path.order.size());
  for (size_t index : path.order) c.milestone.push_back(chain.milestone(events[index].type()));

  for (size_t i = 0; i < chain.measures.size(); ++i) {
    const model::MeasureInfo& info = chain.measures[i];
    const v1::MeasureDef& def = chain.def.measures(static_cast<int>(i));
    const std::string& dim = def.id();
    const auto add = [&](Measure m, int32_t day, int64_t value, bool met) {
      out.push_back({m, day, dim, value, met});
    };
    if (info.kind == MeasureKind::kAllBefore) {
      std::optional<size_t> from;
      if (info.from >= 0) {
        from = c.find(info.from, info.from_last, std::nullopt, &info);
        if (!from) continue;
      }
      const auto r = c.find(info.to, info.to_last, std::nullopt, from ? nullptr : &info);
      if (!r) {
        if (from) add(Measure::kMeasureOpen, c.day(*from), -1, false);
        continue;
      }
      bool met = true;
      for (int m : info.all) {
        bool before = false;
        for (size_t pos = 0; pos < *r && !before; ++pos) before = c.milestone[pos] == m;
        met = met && before;
      }
      add(Measure::kMeasureClosed, c.day(*r), -1, met);
      add(Measure::kMeasureCohort, c.day(from ? *from : *r), -1, met);
      continue;
    }

    const auto a = c.find(info.from, info.from_last, std::nullopt, &info);
    if (!a) continue;
    switch (info.kind) {
      case MeasureKind::kDuration: {
        const auto b = c.find(info.to, info.to_last, a, nullptr);
        if (!b) {
          add(Measure::kMeasureOpen, c.day(*a), -1, false);
          break;
        }
        const bool met = def.days() > 0 && in_time(c, def, *a, *b);
        add(Measure::kMeasureClosed, c.day(*b), c.ms(*b) - c.ms(*a), met);
        add(Measure::kMeasureCohort, c.day(*a), c.ms(*b) - c.ms(*a), met);
        break;
      }
      case MeasureKind::kWithin: {
        const auto b = c.find(info.to, false, a, nullptr);
        const bool met = b && in_time(c, def, *a, *b);
        add(Measure::kMeasureClosed, met ? c.day(*b) : window_end(c, def, *a), -1, met);
        add(Measure::kMeasureCohort, c.day(*a), -1, met);
        break;
      }
      case MeasureKind::kWithout: {
        const auto relapse = c.find(info.to, false, a, nullptr);
        const bool met = !(relapse && in_time(c, def, *a, *relapse));
        add(Measure::kMeasureClosed, met ? window_end(c, def, *a) : c.day(*relapse), -1, met);
        add(Measure::kMeasureCohort, c.day(*a), -1, met);
        break;
      }
      case MeasureKind::kAllBefore:
        break;
    }
  }
}

int32_t deadline_day(const model::ChainModel& chain, int measure, int32_t day) {
  const v1::MeasureDef& def = chain.def.measures(measure);
  if (def.working_days()) {
    return add_working_days(day, static_cast<int32_t>(def.days()), chain.holidays);
  }
  return day + static_cast<int32_t>(std::ceil(def.days()));
}

}  // namespace ketenflow::kpi
