#include "query/kpi_query.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kpi/contributions.h"
#include "kpi/stats.h"
#include "model/time.h"
#include "query/as_of.h"
#include "query/measure_query.h"
#include "store/keys.h"

namespace ketenflow::query {
namespace {

using kpi::Measure;

// Aggregates of one period: measure -> dim -> sum.
using Sums = std::map<Measure, std::map<std::string, store::Aggregate>>;

struct DayNet {
  int32_t day;
  std::string stage;
  int64_t net;  // entries - exits
};

const store::Aggregate& find(const Sums& sums, Measure m, const std::string& dim) {
  static const store::Aggregate kEmpty;
  auto it = sums.find(m);
  if (it == sums.end()) return kEmpty;
  auto jt = it->second.find(dim);
  return jt == it->second.end() ? kEmpty : jt->second;
}

uint32_t count_of(const Sums& sums, Measure m, const std::string& dim) {
  return static_cast<uint32_t>(std::max<int64_t>(0, find(sums, m, dim).count));
}

// Open visits per stage at the start of `day`.
std::map<std::string, int64_t> wip_before(const std::vector<DayNet>& nets, int32_t day) {
  std::map<std::string, int64_t> wip;
  for (const DayNet& n : nets) {
    if (n.day >= day) break;
    wip[n.stage] += n.net;
  }
  return wip;
}

struct Layout {
  std::vector<int> stages;                                       // chain order
  std::vector<std::pair<std::string, std::string>> transitions;  // stage ids
  std::vector<std::pair<std::string, std::string>> handovers;    // partner ids
};

Layout layout(const model::ChainModel& chain, const Sums& total) {
  Layout l;
  for (int s = 0; s < chain.stage_count(); ++s) l.stages.push_back(s);
  const auto stage_order = [&](const std::string& id) {
    const int s = chain.stage(id);
    return std::make_tuple(s < 0 ? UINT32_MAX : chain.stage_rank(s), id);
  };
  std::sort(l.stages.begin(), l.stages.end(), [&](int a, int b) {
    return stage_order(chain.stage_id(a)) < stage_order(chain.stage_id(b));
  });

  std::set<std::pair<std::string, std::string>> transitions;
  if (auto it = total.find(Measure::kTransitionDelay); it != total.end()) {
    for (const auto& [dim, agg] : it->second) {
      if (agg.count == 0) continue;
      auto [from, to] = kpi::split_pair_dim(dim);
      transitions.emplace(from, to);
    }
  }
  for (int from = 0; from < chain.stage_count(); ++from) {
    for (int to = 0; to < chain.stage_count(); ++to) {
      if (chain.norm(from, to)) transitions.emplace(chain.stage_id(from), chain.stage_id(to));
    }
  }
  l.transitions.assign(transitions.begin(), transitions.end());
  std::sort(l.transitions.begin(), l.transitions.end(), [&](const auto& a, const auto& b) {
    return std::make_tuple(stage_order(a.first), stage_order(a.second)) <
           std::make_tuple(stage_order(b.first), stage_order(b.second));
  });

  if (auto it = total.find(Measure::kHandoverDelay); it != total.end()) {
    for (const auto& [dim, agg] : it->second) {
      if (agg.count == 0) continue;
      auto [from, to] = kpi::split_pair_dim(dim);
      l.handovers.emplace_back(from, to);
    }
  }
  return l;
}

void fill(v1::KpiReport& report, const model::ChainModel& chain, const Layout& l, const Sums& sums,
          const std::map<std::string, int64_t>& wip) {
  for (int s : l.stages) {
    const std::string& id = chain.stage_id(s);
    v1::StageKpi* stage = report.add_stages();
    stage->set_stage(id);
    stage->set_name(chain.def.stages(s).name());
    stage->set_entries(count_of(sums, Measure::kStageEntries, id));
    stage->set_exits(count_of(sums, Measure::kStageExits, id));
    stage->set_reentries(count_of(sums, Measure::kStageReentries, id));
    auto w = wip.find(id);
    stage->set_wip(static_cast<uint32_t>(w == wip.end() ? 0 : std::max<int64_t>(0, w->second)));
    *stage->mutable_duration() = kpi::duration_stats(find(sums, Measure::kStageDuration, id));
  }
  for (const auto& [from, to] : l.transitions) {
    const store::Aggregate& agg = find(sums, Measure::kTransitionDelay, kpi::pair_dim(from, to));
    v1::TransitionKpi* t = report.add_transitions();
    t->set_from(from);
    t->set_to(to);
    t->set_count(static_cast<uint32_t>(std::max<int64_t>(0, agg.count)));
    *t->mutable_delay() = kpi::duration_stats(agg);
    const int f = chain.stage(from), g = chain.stage(to);
    if (f >= 0 && g >= 0) {
      if (auto norm = chain.norm(f, g)) {
        v1::NormResult* n = t->mutable_norm();
        n->set_days(*norm);
        n->set_within(static_cast<uint32_t>(std::max<int64_t>(0, agg.within)));
        n->set_share(agg.count > 0 ? static_cast<double>(agg.within) / agg.count : 0.0);
      }
    }
  }
  for (const auto& [from, to] : l.handovers) {
    const store::Aggregate& agg = find(sums, Measure::kHandoverDelay, kpi::pair_dim(from, to));
    v1::PartnerHandoverKpi* h = report.add_partner_handovers();
    h->set_from_partner(from);
    h->set_to_partner(to);
    h->set_count(static_cast<uint32_t>(std::max<int64_t>(0, agg.count)));
    *h->mutable_delay() = kpi::duration_stats(agg);
  }
  *report.mutable_case_duration() = kpi::duration_stats(find(sums, Measure::kCaseDuration, ""));
  *report.mutable_lead_time() = kpi::duration_stats(find(sums, Measure::kLeadTime, ""));
}

}  // namespace

std::optional<PeriodSpan> period_span(const KpiQuery& query, const DataDays& chain_days,
                                      const DataDays& range_days) {
  const int32_t first = query.from ? std::max(*query.from, chain_days.first) : range_days.first;
  const int32_t last =
      query.to ? std::min(*query.to - 1, std::max(chain_days.last, query.today)) : range_days.last;
  if (first > last) return std::nullopt;
  return PeriodSpan{first, last};
}

int64_t period_count(kpi::Period by, const PeriodSpan& span) {
  int64_t n = 0;
  for (int32_t day = kpi::period_start(by, span.first); day <= span.last && n <= kMaxPeriods;
       day = kpi::period_end(by, day)) {
    ++n;
  }
  return n;
}

std::string too_many_periods(const KpiQuery& query, const std::optional<DataDays>& chain_days) {
  if (!query.by || !chain_days) return "";
  auto span = period_span(query, *chain_days, *chain_days);
  if (!span || period_count(*query.by, *span) <= kMaxPeriods) return "";
  return "more than " + std::to_string(kMaxPeriods) + " periods of a " +
         std::string(kpi::period_name(*query.by)) + " from " + model::format_day(span->first) +
         " to " + model::format_day(span->last) +
         " (the data's days); give a narrower from/to or a longer period";
}

Result<v1::KpiReport> kpi_report(const store::Store& store, const model::ChainModel& chain,
                                 const KpiQuery& query) {
  if (!query.as_of_ms) return kpi_report(store_aggregates(store, chain.def.id()), chain, query);
  auto aggregates = aggregates_as_of(store, chain, *query.as_of_ms, query.budget);
  if (!aggregates) return Error{aggregates.error()};
  auto report = kpi_report(memory_aggregates(*aggregates, chain.def.id()), chain, query);
  if (report) report->set_as_of(model::format_instant(*query.as_of_ms));
  return report;
}

Result<v1::KpiReport> kpi_report(const AggregateSource& source, const model::ChainModel& chain,
                                 const KpiQuery& query) {
  const std::string& id = chain.def.id();
  const int32_t from = query.from.value_or(INT32_MIN);
  const int32_t to = query.to.value_or(INT32_MAX);
  if (from >= to) return Error{"--from must be before --to"};

  Sums total;
  std::map<int32_t, Sums> periods;  // period start -> sums
  std::vector<DayNet> nets;
  int32_t first_day = INT32_MAX, last_day = INT32_MIN;

  MeasureDays measures = measure_days(chain);
  BudgetPoll poll(query.budget);
  auto status = source.visit(INT32_MIN, to, [&](const AggregateEntry& e) -> Status {
    if (auto within = poll.tick(); !within) return within;
    auto measure = add_measure_entry(measures, chain, e);
    if (!measure) return Error{measure.error()};
    if (*measure) return ok_status();
    const bool counted = e.measure == Measure::kStageEntries || e.measure == Measure::kStageExits;
    if (e.day < from && !counted) return ok_status();
    // Retractions can cancel a key to zero; it must count as absent, or a
    // store that saw a late event would list other periods than one that
    // did not.
    if (store::is_empty_encoding(e.value)) return ok_status();
    if (counted) {
      store::Aggregate day;
      if (!store::add_encoded(day, e.value)) return Error{"store kpi value is corrupt"};
      nets.push_back({e.day, std::string(e.dim),
                      e.measure == Measure::kStageEntries ? day.count : -day.count});
    }
    if (e.day < from) return ok_status();
    first_day = std::min(first_day, e.day);
    last_day = std::max(last_day, e.day);
    // Summed straight from the encoded value: no per-key histogram is built.
    if (!store::add_encoded(total[e.measure][std::string(e.dim)], e.value)) {
      return Error{"store kpi value is corrupt"};
    }
    if (query.by) {
      store::add_encoded(
          periods[kpi::period_start(*query.by, e.day)][e.measure][std::string(e.dim)], e.value);
    }
    return ok_status();
  });
  if (!status) return Error{status.error()};

  v1::KpiReport report;
  report.set_chain_id(id);
  if (query.from) report.set_from(model::format_day(*query.from));
  if (query.to) report.set_to(model::format_day(*query.to));
  if (query.by) report.set_by(std::string(kpi::period_name(*query.by)));
  const Layout l = layout(chain, total);
  fill(report, chain, l, total, wip_before(nets, to));
  report.set_view(std::string(view_name(query.view)));
  if (query.today != INT32_MAX) report.set_today(model::format_day(query.today));
  auto data_until = last_data_day(source);
  if (!data_until) return Error{data_until.error()};
  if (*data_until) report.set_data_until(model::format_day(**data_until));
  for (auto& m : measure_results(chain, measures, from, to, query.view, query.today)) {
    *report.add_measures() = std::move(m);
  }

  if (query.by && first_day <= last_day) {
    // Every period from the first to the last with data (or the bounds given,
    // clamped to the chain's data days), empty ones included, so trends have
    // no holes.
    const std::optional<DataDays> chain_days = source.days ? source.days() : std::nullopt;
    const DataDays range_days{first_day, last_day};
    auto span = period_span(query, chain_days.value_or(range_days), range_days);
    if (span && period_count(*query.by, *span) > kMaxPeriods) {
      return Error{"--by: " + too_many_periods(query, chain_days.value_or(range_days))};
    }
    // Open visits at the end of each period, walking the day-ordered nets once.
    std::map<std::string, int64_t> wip;
    size_t next_net = 0;
    const int32_t lo = span ? span->first : 0;
    const int32_t hi = span ? span->last : -1;
    for (int32_t day = kpi::period_start(*query.by, lo); span && day <= hi;
         day = kpi::period_end(*query.by, day)) {
      v1::KpiReport* period = report.add_periods();
      period->set_period(kpi::period_label(*query.by, day));
      period->set_from(model::format_day(std::max(day, lo)));
      const int32_t end_day = std::min(kpi::period_end(*query.by, day), hi + 1);
      period->set_to(model::format_day(end_day));
      static const Sums kNone;
      auto p = periods.find(day);
      for (; next_net < nets.size() && nets[next_net].day < end_day; ++next_net) {
        wip[nets[next_net].stage] += nets[next_net].net;
      }
      fill(*period, chain, l, p == periods.end() ? kNone : p->second, wip);
      period->set_view(report.view());
      for (auto& m :
           measure_results(chain, measures, std::max(day, lo), end_day, query.view, query.today)) {
        *period->add_measures() = std::move(m);
      }
    }
  }
  return report;
}

}  // namespace ketenflow::query
