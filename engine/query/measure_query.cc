#include "query/measure_query.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "kpi/measures.h"
#include "kpi/stats.h"
#include "model/time.h"

namespace ketenflow::query {
namespace {

using kpi::Measure;
using model::MeasureKind;

uint32_t clamp(int64_t n) { return static_cast<uint32_t>(std::max<int64_t>(0, n)); }

}  // namespace

int32_t local_today(const model::ChainModel& chain) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return model::local_day(now.count(), chain.zone);
}

Result<View> parse_view(std::string_view text) {
  if (text == "completion") return View::kCompletion;
  if (text == "cohort") return View::kCohort;
  return Error{"unknown view \"" + std::string(text) + "\" (expected completion or cohort)"};
}

std::string_view view_name(View view) { return view == View::kCohort ? "cohort" : "completion"; }

MeasureDays measure_days(const model::ChainModel& chain) {
  return MeasureDays(chain.measures.size());
}

Result<bool> add_measure_entry(MeasureDays& days, const model::ChainModel& chain,
                               const AggregateEntry& entry) {
  store::Aggregate MeasureDay::*slot = nullptr;
  switch (entry.measure) {
    case Measure::kMeasureClosed:
      slot = &MeasureDay::closed;
      break;
    case Measure::kMeasureCohort:
      slot = &MeasureDay::cohort;
      break;
    case Measure::kMeasureOpen:
      slot = &MeasureDay::open;
      break;
    default:
      return false;
  }
  const int measure = chain.measure(entry.dim);
  if (measure < 0 || static_cast<size_t>(measure) >= days.size()) return true;
  if (!store::add_encoded(days[measure][entry.day].*slot, entry.value)) {
    return Error{"store kpi value is corrupt"};
  }
  return true;
}

std::vector<v1::MeasureResult> measure_results(const model::ChainModel& chain,
                                               const MeasureDays& days, int32_t from, int32_t to,
                                               View view, int32_t today) {
  std::vector<v1::MeasureResult> results;
  for (size_t i = 0; i < days.size(); ++i) {
    const v1::MeasureDef& def = chain.def.measures(static_cast<int>(i));
    const MeasureKind kind = chain.measures[i].kind;
    v1::MeasureResult r;
    r.set_measure(def.id());
    r.set_name(def.name());
    r.set_kind(def.kind());
    r.set_partner(def.partner());
    r.set_contributes_to(def.contributes_to());
    r.set_norm_days(def.days());
    r.set_working_days(def.working_days());
    if (def.has_target()) r.set_target(def.target());

    const bool has_deadline = def.days() > 0;
    const auto passed = [&](int32_t day) {
      return has_deadline && kpi::deadline_day(chain, static_cast<int>(i), day) < today;
    };
    int64_t clients = 0, met = 0, open = 0, overdue = 0, pending = 0, running = 0;
    bool provisional = false;
    store::Aggregate duration;
    for (const auto& [day, d] : days[i]) {
      if (day >= to) break;
      // Open clients: in completion view all that started before `to`.
      const bool in_range = day >= from;
      if (d.open.count != 0 && (in_range || view == View::kCompletion)) {
        open += d.open.count;
        if (passed(day)) {
          overdue += d.open.count;
        } else if (view == View::kCohort) {
          pending += d.open.count;
        }
        if (view == View::kCohort) clients += d.open.count;
      }
      const bool windowed = kind == MeasureKind::kWithin || kind == MeasureKind::kWithout;
      if (view == View::kCompletion) {
        const store::Aggregate& c = d.closed;
        int64_t counted = c.count, won = c.within;
        // Decided by a window ending: only once that day is over.
        if (kind == MeasureKind::kWithin && day >= today) counted = c.within;
        if (kind == MeasureKind::kWithout && day >= today) {
          counted = c.count - c.within;
          won = 0;
        }
        // Windowed measures: started before `to`, not decided before `to`.
        if (windowed) running += d.cohort.count - counted;
        if (!in_range) continue;
        clients += counted;
        met += won;
        if (kind == MeasureKind::kDuration) store::add(duration, c);
      } else {
        if (!in_range) continue;
        const store::Aggregate& c = d.cohort;
        clients += c.count;
        met += c.within;
        if (kind == MeasureKind::kDuration) store::add(duration, c);
        if (windowed && c.count != 0 && !passed(day)) {
          provisional = true;
          pending += kind == MeasureKind::kWithin ? c.count - c.within : c.within;
        }
        if (kind == MeasureKind::kDuration && c.count != 0 && has_deadline && !passed(day)) {
          provisional = true;
        }
      }
    }
    r.set_clients(clamp(clients));
    r.set_met(clamp(met));
    r.set_share(clients > 0 ? static_cast<double>(met) / static_cast<double>(clients) : 0.0);
    if (kind == MeasureKind::kDuration) *r.mutable_duration() = kpi::duration_stats(duration);
    r.set_open(clamp(open + running));
    r.set_overdue(clamp(overdue));
    r.set_pending(clamp(pending));
    r.set_provisional(view == View::kCohort && (provisional || pending > 0));
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace ketenflow::query
