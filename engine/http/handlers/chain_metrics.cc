// GET /v1/metrics: chain KPIs in the Prometheus text format, for the
// dashboards where monitoring lives (deploy/grafana/). Unsuppressed counts of
// clients, so it needs an operator or admin token, unlike /metrics (engine
// health only).
//
// Per chain from a chain file (an inferred chain's stages grow with the log,
// so its series would be unbounded), at most stages + normed transitions +
// 4 x measures series:
//   ketenflow_chain_wip{chain,stage}                    open visits now
//   ketenflow_chain_overdue_clients{chain,stage}        of those, past the
//                                                       smallest norm out of
//                                                       the stage (as /stuck)
//   ketenflow_chain_transition_handovers{chain,from,to} this month, transitions
//                                                       with a norm
//   ketenflow_chain_transition_within_norm_ratio{...}   their share within it
//   ketenflow_chain_measure_clients{chain,measure,state} this month (completion
//                                                       view): met, not_met,
//                                                       open, overdue
// "This month" is the calendar month of today in the chain's time zone.
#include <algorithm>
#include <limits>
#include <vector>

#include "http/handlers/handlers.h"
#include "kpi/calendar.h"
#include "model/prometheus_text.h"
#include "model/time.h"
#include "query/kpi_query.h"
#include "query/stuck_query.h"

namespace ketenflow::http::handlers {
namespace {

struct ChainNumbers {
  const model::ChainModel* chain;
  v1::KpiReport now;
  v1::KpiReport month;
  std::vector<uint64_t> overdue;  // per stage: open visits past the norm
};

Result<ChainNumbers> chain_numbers(const ApiContext& context, const model::ChainModel& chain,
                                   int64_t now_ms) {
  ChainNumbers numbers{&chain, {}, {}, {}};
  const int32_t today = model::local_day(now_ms, chain.zone);
  query::KpiQuery q;
  q.today = today;
  q.budget = context.budget;
  auto now = query::kpi_report(context.store, chain, q);
  if (!now) return Error{now.error()};
  numbers.now = std::move(*now);
  q.from = kpi::period_start(kpi::Period::kMonth, today);
  q.to = today + 1;
  auto month = query::kpi_report(context.store, chain, q);
  if (!month) return Error{month.error()};
  numbers.month = std::move(*month);
  query::StuckQuery stuck;
  stuck.overdue_only = true;
  stuck.limit = std::numeric_limits<size_t>::max() / 2;
  stuck.now_ms = now_ms;
  stuck.budget = context.budget;
  auto list = query::stuck_list(context.store, chain, stuck);
  if (!list) return Error{list.error()};
  numbers.overdue.assign(static_cast<size_t>(chain.stage_count()), 0);
  for (const auto& visit : list->visits()) {
    if (const int s = chain.stage(visit.stage()); s >= 0) ++numbers.overdue[static_cast<size_t>(s)];
  }
  return numbers;
}

}  // namespace

ApiReply chain_metrics(const ApiContext& context, const ApiRequest& request) {
  std::vector<ChainNumbers> all;
  for (const model::ChainModel& chain : context.chains) {
    if (chain.def.inferred()) continue;
    auto numbers = chain_numbers(context, chain, request.now_ms);
    if (!numbers) return query_failed(context, numbers.error());
    all.push_back(std::move(*numbers));
  }
  model::PrometheusText out;
  out.family("ketenflow_chain_wip", "gauge", "Open visits per stage now.");
  for (const ChainNumbers& n : all) {
    for (const v1::StageKpi& s : n.now.stages()) {
      out.sample("ketenflow_chain_wip", {{"chain", n.chain->def.id()}, {"stage", s.stage()}},
                 static_cast<uint64_t>(s.wip()));
    }
  }
  out.family("ketenflow_chain_overdue_clients", "gauge",
             "Open visits past the smallest handover norm out of their stage, now.");
  for (const ChainNumbers& n : all) {
    // In the order of the wip series: the report's stage order.
    for (const v1::StageKpi& s : n.now.stages()) {
      const int index = n.chain->stage(s.stage());
      if (index < 0) continue;
      out.sample("ketenflow_chain_overdue_clients",
                 {{"chain", n.chain->def.id()}, {"stage", s.stage()}},
                 n.overdue[static_cast<size_t>(index)]);
    }
  }
  out.family("ketenflow_chain_transition_handovers", "gauge",
             "Handovers this calendar month on transitions with a norm.");
  for (const ChainNumbers& n : all) {
    for (const v1::TransitionKpi& t : n.month.transitions()) {
      if (!t.has_norm()) continue;
      out.sample("ketenflow_chain_transition_handovers",
                 {{"chain", n.chain->def.id()}, {"from", t.from()}, {"to", t.to()}},
                 static_cast<uint64_t>(t.count()));
    }
  }
  out.family("ketenflow_chain_transition_within_norm_ratio", "gauge",
             "Share of this calendar month's handovers within the transition's norm (absent "
             "without handovers).");
  for (const ChainNumbers& n : all) {
    for (const v1::TransitionKpi& t : n.month.transitions()) {
      if (!t.has_norm() || t.delay().count() == 0) continue;
      out.sample("ketenflow_chain_transition_within_norm_ratio",
                 {{"chain", n.chain->def.id()}, {"from", t.from()}, {"to", t.to()}},
                 t.norm().share());
    }
  }
  out.family("ketenflow_chain_measure_clients", "gauge",
             "Clients of each measure this calendar month by state: met, not_met, open, "
             "overdue (completion view).");
  for (const ChainNumbers& n : all) {
    for (const v1::MeasureResult& m : n.month.measures()) {
      const std::string& chain = n.chain->def.id();
      const uint64_t met = m.met(), clients = m.clients();
      out.sample("ketenflow_chain_measure_clients",
                 {{"chain", chain}, {"measure", m.measure()}, {"state", "met"}}, met);
      out.sample("ketenflow_chain_measure_clients",
                 {{"chain", chain}, {"measure", m.measure()}, {"state", "not_met"}},
                 clients - std::min(met, clients));
      out.sample("ketenflow_chain_measure_clients",
                 {{"chain", chain}, {"measure", m.measure()}, {"state", "open"}},
                 static_cast<uint64_t>(m.open()));
      out.sample("ketenflow_chain_measure_clients",
                 {{"chain", chain}, {"measure", m.measure()}, {"state", "overdue"}},
                 static_cast<uint64_t>(m.overdue()));
    }
  }
  return {200, std::string(model::kPrometheusContentType), out.take()};
}

}  // namespace ketenflow::http::handlers
