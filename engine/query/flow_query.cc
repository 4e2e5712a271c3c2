#include "query/flow_query.h"

namespace ketenflow::query {

Result<v1::FlowReport> flow_report(const store::Store& store, const model::ChainModel& chain,
                                   const KpiQuery& query) {
  KpiQuery whole = query;
  whole.by.reset();
  auto kpis = kpi_report(store, chain, whole);
  if (!kpis) return Error{kpis.error()};
  v1::FlowReport flow;
  flow.set_chain_id(kpis->chain_id());
  flow.set_from(kpis->from());
  flow.set_to(kpis->to());
  flow.mutable_stages()->Swap(kpis->mutable_stages());
  flow.mutable_transitions()->Swap(kpis->mutable_transitions());
  return flow;
}

}  // namespace ketenflow::query
