#include "model/inferred_chain.h"

#include <algorithm>

namespace ketenflow::model {

Result<ChainModel> make_inferred_chain(const std::string& id, const std::string& time_zone) {
  v1::Chain def;
  def.set_id(id);
  def.set_name(id);
  def.set_time_zone(time_zone);
  def.set_inferred(true);
  return make_chain_model(std::move(def));
}

bool extend_inferred_chain(ChainModel& chain, std::string_view activity, std::string_view partner) {
  bool changed = false;
  int partner_index = chain.partner(partner);
  if (partner_index < 0 && !partner.empty()) {
    partner_index = chain.def.partners_size();
    v1::Partner* p = chain.def.add_partners();
    p->set_id(std::string(partner));
    p->set_name(std::string(partner));
    chain.partner_index.emplace(p->id(), partner_index);
    // Every milestone of an inferred chain may be reported by every partner.
    for (MilestoneInfo& m : chain.milestones) m.partners.push_back(partner_index);
    for (v1::Milestone& m : *chain.def.mutable_milestones()) m.add_partners(p->id());
    changed = true;
  }
  if (chain.milestone(activity) < 0 && !activity.empty()) {
    const int stage = chain.def.stages_size();
    v1::Stage* s = chain.def.add_stages();
    s->set_id(std::string(activity));
    s->set_name(std::string(activity));
    chain.stage_index.emplace(s->id(), stage);
    v1::Milestone* m = chain.def.add_milestones();
    m->set_id(std::string(activity));
    m->set_name(std::string(activity));
    m->set_stage(s->id());
    MilestoneInfo info;
    info.stage = stage;
    for (int p = 0; p < chain.def.partners_size(); ++p) {
      m->add_partners(chain.def.partners(p).id());
      info.partners.push_back(p);
    }
    chain.milestone_index.emplace(m->id(), chain.def.milestones_size() - 1);
    chain.milestones.push_back(std::move(info));
    // Inferred chains set no norms; keep the matrix square.
    const int n = chain.stage_count();
    chain.norm_days.assign(static_cast<size_t>(n) * n, -1.0);
    changed = true;
  }
  return changed;
}

}  // namespace ketenflow::model
