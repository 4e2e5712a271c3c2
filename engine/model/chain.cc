// make_chain_model(): checks a chain definition and indexes it.
//
// Promise: on success the model is internally consistent — the chain has at
// least one stage and one milestone (an `inferred` chain may start empty),
// every stage has a milestone, every stage owner, milestone stage, milestone
// partner and norm stage names a known id, ids are unique per kind, norms
// have days > 0 and at most one per (from, to), ranks are filled in (1-based position for stages
// without a rank, unless the chain is `inferred`), the time zone is resolved (default
// Europe/Amsterdam), and norm_days is a dense stage_count x stage_count matrix
// with -1 where no norm is set.
//
// On failure the error message holds every problem, one per line, each as
//   <field path>: <description>
// where <field path> names the offending field of the v1::Chain message in the
// form `id`, `time_zone`, `stages`, `stages[2]`, `stages[2].owner`,
// `milestones[0].partners[1]`, `norms[3].days` (indexes are 0-based positions
// in the repeated fields). chain_file.cc relies on this prefix to map every
// problem back to a line of the YAML file; keep the two in step.
#include "model/chain.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

#include "model/time.h"

namespace ketenflow::model {
namespace {

constexpr std::string_view kDefaultZone = "Europe/Amsterdam";

bool valid_chain_id(std::string_view id) {
  auto head = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  auto tail = [&](char c) { return head(c) || c == '.' || c == '_' || c == '-'; };
  if (id.empty() || !head(id.front())) return false;
  return std::all_of(id.begin() + 1, id.end(), tail);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" when a known id is within two edits of `id`, else "".
std::string suggestion(std::string_view id, const std::unordered_map<std::string, int>& known) {
  std::vector<std::string_view> ids;
  ids.reserve(known.size());
  for (const auto& entry : known) ids.push_back(entry.first);
  const std::string_view best = closest(id, ids);
  return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

// "stage 'intake'", or "stage 3" when the id is missing.
std::string label(std::string_view kind, const std::string& id, int index) {
  if (id.empty()) return std::string(kind) + " " + std::to_string(index + 1);
  return std::string(kind) + " '" + id + "'";
}

std::string field(std::string_view repeated, int index, std::string_view member = {}) {
  std::string out = std::string(repeated) + "[" + std::to_string(index) + "]";
  if (!member.empty()) out += "." + std::string(member);
  return out;
}

std::string format_days(double days) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, days);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

struct Problems {
  std::vector<std::string> lines;
  void add(const std::string& where, const std::string& what) {
    lines.push_back(where + ": " + what);
  }
};

// Registers ids of one kind; reports empty and duplicate ids.
void index_ids(std::string_view repeated, std::string_view kind, int count,
               const std::function<const std::string&(int)>& id_of,
               std::unordered_map<std::string, int>& index, Problems& problems) {
  for (int i = 0; i < count; ++i) {
    const std::string& id = id_of(i);
    if (id.empty()) {
      problems.add(field(repeated, i, "id"),
                   std::string(kind) + " " + std::to_string(i + 1) + " has no id");
      continue;
    }
    if (!index.emplace(id, i).second) {
      problems.add(field(repeated, i, "id"),
                   std::string(kind) + " id '" + id + "' is defined more than once (first as " +
                       std::string(kind) + " " + std::to_string(index[id] + 1) + ")");
    }
  }
}

// Index of a milestone named by a measure, or -1 (reported) when unknown.
int measure_milestone(const ChainModel& model, const std::string& id, const std::string& where,
                      const std::string& name, std::string_view role, Problems& problems) {
  if (auto it = model.milestone_index.find(id); it != model.milestone_index.end()) {
    return it->second;
  }
  problems.add(where, name + ": " + std::string(role) + " '" + id +
                          "' is not a milestone of this chain" +
                          suggestion(id, model.milestone_index));
  return -1;
}

bool parse_occurrence(const std::string& text, const std::string& where, const std::string& name,
                      Problems& problems) {
  if (text.empty() || text == "first") return false;
  if (text == "last") return true;
  problems.add(where, name + ": occurrence must be first or last (got '" + text + "')");
  return false;
}

void check_measures(v1::Chain& def, ChainModel& model, Problems& problems) {
  index_ids(
      "measures", "measure", def.measures_size(),
      [&](int i) -> const std::string& { return def.measures(i).id(); }, model.measure_index,
      problems);
  std::set<std::string> attributes;
  model.measures.resize(def.measures_size());
  for (int i = 0; i < def.measures_size(); ++i) {
    v1::MeasureDef& m = *def.mutable_measures(i);
    MeasureInfo& info = model.measures[i];
    const std::string name = label("measure", m.id(), i);
    const std::string& kind = m.kind();
    if (kind == "duration") {
      info.kind = MeasureKind::kDuration;
    } else if (kind == "within") {
      info.kind = MeasureKind::kWithin;
    } else if (kind == "without") {
      info.kind = MeasureKind::kWithout;
    } else if (kind == "all_before") {
      info.kind = MeasureKind::kAllBefore;
    } else {
      problems.add(
          field("measures", i, "kind"),
          name + ": kind must be duration, within, without or all_before (got '" + kind + "')");
      continue;
    }
    const bool all_before = info.kind == MeasureKind::kAllBefore;
    if (!m.from().empty()) {
      info.from = measure_milestone(model, m.from(), field("measures", i, "from"), name,
                                    "from milestone", problems);
    } else if (!all_before) {
      problems.add(field("measures", i, "from"), name + " has no from milestone");
    }
    if (!m.to().empty()) {
      info.to = measure_milestone(model, m.to(), field("measures", i, "to"), name,
                                  all_before ? "before milestone" : "to milestone", problems);
    } else {
      problems.add(field("measures", i, "to"),
                   name + (all_before ? " has no before milestone" : " has no to milestone"));
    }
    if (all_before) {
      if (m.milestones_size() == 0) {
        problems.add(field("measures", i, "milestones"),
                     name + " lists no milestones that must come before");
      }
      for (int j = 0; j < m.milestones_size(); ++j) {
        const int ms =
            measure_milestone(model, m.milestones(j),
                              field("measures", i, "milestones") + "[" + std::to_string(j) + "]",
                              name, "milestone", problems);
        if (ms >= 0) info.all.push_back(ms);
      }
    } else if (m.milestones_size() > 0) {
      problems.add(field("measures", i, "milestones"),
                   name + ": milestones belong to all_before measures only");
    }
    info.from_last = parse_occurrence(m.from_occurrence(), field("measures", i, "from_occurrence"),
                                      name, problems);
    info.to_last =
        parse_occurrence(m.to_occurrence(), field("measures", i, "to_occurrence"), name, problems);
    const bool windowed = info.kind == MeasureKind::kWithin || info.kind == MeasureKind::kWithout;
    if (!std::isfinite(m.days()) || m.days() < 0 || (windowed && m.days() == 0)) {
      problems.add(
          field("measures", i, "days"),
          name + ": days must be a number more than 0 (got " + format_days(m.days()) + ")");
    } else if (m.working_days() && m.days() != std::floor(m.days())) {
      problems.add(
          field("measures", i, "days"),
          name + ": working days must be a whole number (got " + format_days(m.days()) + ")");
    }
    if (all_before && m.days() > 0) {
      problems.add(field("measures", i, "days"), name + ": all_before measures have no days");
    }
    if (m.has_target() && !(m.target() >= 0 && m.target() <= 1)) {
      problems.add(field("measures", i, "target"),
                   name + ": target is a share from 0 to 1 (got " + format_days(m.target()) + ")");
    }
    if (!m.partner().empty() && !model.partner_index.count(m.partner())) {
      problems.add(field("measures", i, "partner"),
                   name + ": partner '" + m.partner() + "' is not a partner of this chain" +
                       suggestion(m.partner(), model.partner_index));
    }
    for (const auto& [key, value] : m.where()) {
      info.where.emplace_back(key, value);
      attributes.insert(key);
    }
    std::sort(info.where.begin(), info.where.end());
  }
  // contributes_to: a chain result measure (no partner) of this chain.
  for (int i = 0; i < def.measures_size(); ++i) {
    const v1::MeasureDef& m = def.measures(i);
    if (m.contributes_to().empty()) continue;
    const std::string name = label("measure", m.id(), i);
    auto it = model.measure_index.find(m.contributes_to());
    if (it == model.measure_index.end()) {
      problems.add(field("measures", i, "contributes_to"),
                   name + ": contributes_to '" + m.contributes_to() +
                       "' is not a measure of this chain" +
                       suggestion(m.contributes_to(), model.measure_index));
    } else if (it->second == i) {
      problems.add(field("measures", i, "contributes_to"), name + " contributes to itself");
    } else if (!def.measures(it->second).partner().empty()) {
      problems.add(field("measures", i, "contributes_to"),
                   name + ": contributes_to '" + m.contributes_to() +
                       "' is a partner measure; name a chain result measure (no partner:)");
    }
  }
  model.filter_attributes.assign(attributes.begin(), attributes.end());
}

constexpr int kMaxGoals = 3;

void check_goals(const v1::Chain& def, const ChainModel& model, Problems& problems) {
  if (def.goals_size() > kMaxGoals) {
    problems.add(field("goals", kMaxGoals), "a chain has at most " + std::to_string(kMaxGoals) +
                                                " strategic goals (got " +
                                                std::to_string(def.goals_size()) + ")");
  }
  std::unordered_map<std::string, int> ids;
  index_ids(
      "goals", "goal", def.goals_size(),
      [&](int i) -> const std::string& { return def.goals(i).id(); }, ids, problems);
  for (int i = 0; i < def.goals_size(); ++i) {
    const v1::Goal& goal = def.goals(i);
    const std::string name = label("goal", goal.id(), i);
    if (goal.measures_size() == 0) {
      problems.add(field("goals", i, "measures"), name + " lists no measures");
    }
    for (int j = 0; j < goal.measures_size(); ++j) {
      const std::string& id = goal.measures(j);
      const std::string where = field("goals", i, "measures") + "[" + std::to_string(j) + "]";
      auto it = model.measure_index.find(id);
      if (it == model.measure_index.end()) {
        problems.add(where, name + ": measure '" + id + "' is not a measure of this chain" +
                                suggestion(id, model.measure_index));
      } else if (!def.measures(it->second).partner().empty()) {
        problems.add(where, name + ": measure '" + id +
                                "' is a partner measure; goals list chain result measures");
      }
    }
  }
}

void check_holidays(const v1::Chain& def, ChainModel& model, Problems& problems) {
  for (int i = 0; i < def.holidays_size(); ++i) {
    auto day = parse_day(def.holidays(i));
    if (!day) {
      problems.add("holidays[" + std::to_string(i) + "]",
                   "holiday '" + def.holidays(i) + "' is not a date YYYY-MM-DD");
      continue;
    }
    model.holidays.push_back(*day);
  }
  std::sort(model.holidays.begin(), model.holidays.end());
  model.holidays.erase(std::unique(model.holidays.begin(), model.holidays.end()),
                       model.holidays.end());
}

}  // namespace

std::string_view closest(std::string_view name, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view candidate : candidates) {
    const size_t d = edit_distance(name, candidate);
    if (d < best_distance || (d == best_distance && !best.empty() && candidate < best)) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

Result<ChainModel> make_chain_model(v1::Chain def) {
  ChainModel model;
  Problems problems;

  if (def.id().empty()) {
    problems.add("id", "chain has no id");
  } else if (!valid_chain_id(def.id())) {
    problems.add("id", "chain id '" + def.id() +
                           "' is not valid: use lower-case letters, digits, '.', '_' and '-', "
                           "starting with a letter or digit");
  }
  if (def.time_zone().empty()) def.set_time_zone(std::string(kDefaultZone));
  if (auto zone = find_zone(def.time_zone()); zone.ok()) {
    model.zone = zone.value();
  } else {
    problems.add("time_zone", "unknown time zone '" + def.time_zone() +
                                  "' (use an IANA name such as Europe/Amsterdam)");
  }
  if (def.inactive_after_days() < 0 || def.inactive_after_days() > 36500 ||
      !std::isfinite(def.inactive_after_days())) {
    problems.add("inactive_after_days",
                 "inactive_after_days must be a number of days from 0 (never) to 36500 (got " +
                     format_days(def.inactive_after_days()) + ")");
  }
  // An inferred chain starts empty and grows with the log (inferred_chain.h).
  if (!def.inferred()) {
    if (def.stages_size() == 0) problems.add("stages", "chain has no stages");
    if (def.milestones_size() == 0) problems.add("milestones", "chain has no milestones");
  }

  index_ids(
      "partners", "partner", def.partners_size(),
      [&](int i) -> const std::string& { return def.partners(i).id(); }, model.partner_index,
      problems);
  index_ids(
      "stages", "stage", def.stages_size(),
      [&](int i) -> const std::string& { return def.stages(i).id(); }, model.stage_index, problems);
  index_ids(
      "milestones", "milestone", def.milestones_size(),
      [&](int i) -> const std::string& { return def.milestones(i).id(); }, model.milestone_index,
      problems);

  // Stages: owner, rank.
  for (int i = 0; i < def.stages_size(); ++i) {
    v1::Stage& stage = *def.mutable_stages(i);
    const std::string name = label("stage", stage.id(), i);
    if (stage.owner().empty()) {
      // Inferred stages have no owner: any partner in the log may report them.
      if (!def.inferred()) problems.add(field("stages", i, "owner"), name + " has no owner");
    } else if (!model.partner_index.count(stage.owner())) {
      problems.add(field("stages", i, "owner"), name + ": owner '" + stage.owner() +
                                                    "' is not a partner of this chain" +
                                                    suggestion(stage.owner(), model.partner_index));
    }
    if (stage.rank() == 0 && !def.inferred()) stage.set_rank(static_cast<uint32_t>(i + 1));
  }

  // Milestones: stage and partners.
  std::vector<bool> stage_has_milestone(def.stages_size(), false);
  model.milestones.resize(def.milestones_size());
  for (int i = 0; i < def.milestones_size(); ++i) {
    const v1::Milestone& milestone = def.milestones(i);
    MilestoneInfo& info = model.milestones[i];
    info.terminal = milestone.terminal();
    const std::string name = label("milestone", milestone.id(), i);
    if (milestone.stage().empty()) {
      problems.add(field("milestones", i, "stage"), name + " has no stage");
    } else if (auto it = model.stage_index.find(milestone.stage()); it != model.stage_index.end()) {
      info.stage = it->second;
      stage_has_milestone[it->second] = true;
    } else {
      problems.add(field("milestones", i, "stage"),
                   name + ": stage '" + milestone.stage() + "' is not a stage of this chain" +
                       suggestion(milestone.stage(), model.stage_index));
    }
    if (milestone.partners_size() == 0) {
      problems.add(field("milestones", i, "partners"),
                   name + " names no partners that may report it");
    }
    std::set<std::string> seen;
    for (int j = 0; j < milestone.partners_size(); ++j) {
      const std::string& partner = milestone.partners(j);
      const std::string where = field("milestones", i, "partners") + "[" + std::to_string(j) + "]";
      if (!seen.insert(partner).second) {
        problems.add(where, name + " lists partner '" + partner + "' more than once");
      } else if (auto it = model.partner_index.find(partner); it != model.partner_index.end()) {
        info.partners.push_back(it->second);
      } else {
        problems.add(where, name + ": partner '" + partner + "' is not a partner of this chain" +
                                suggestion(partner, model.partner_index));
      }
    }
    std::sort(info.partners.begin(), info.partners.end());
  }
  // With no milestones at all that is the one problem, not one per stage.
  for (int i = 0; i < def.stages_size() && def.milestones_size() > 0; ++i) {
    if (!stage_has_milestone[i] && !def.stages(i).id().empty()) {
      problems.add(field("stages", i), "stage '" + def.stages(i).id() +
                                           "' has no milestones, so no client can enter it");
    }
  }

  // Norms.
  const int n = def.stages_size();
  model.norm_days.assign(static_cast<size_t>(n) * static_cast<size_t>(n), -1.0);
  for (int i = 0; i < def.norms_size(); ++i) {
    const v1::Norm& norm = def.norms(i);
    const std::string name = "norm " + (norm.from_stage().empty() ? "?" : norm.from_stage()) +
                             " -> " + (norm.to_stage().empty() ? "?" : norm.to_stage());
    int from = -1;
    int to = -1;
    if (norm.from_stage().empty()) {
      problems.add(field("norms", i, "from_stage"), name + " has no from stage");
    } else if (auto it = model.stage_index.find(norm.from_stage()); it != model.stage_index.end()) {
      from = it->second;
    } else {
      problems.add(field("norms", i, "from_stage"),
                   name + ": from stage '" + norm.from_stage() + "' is not a stage of this chain" +
                       suggestion(norm.from_stage(), model.stage_index));
    }
    if (norm.to_stage().empty()) {
      problems.add(field("norms", i, "to_stage"), name + " has no to stage");
    } else if (auto it = model.stage_index.find(norm.to_stage()); it != model.stage_index.end()) {
      to = it->second;
    } else {
      problems.add(field("norms", i, "to_stage"),
                   name + ": to stage '" + norm.to_stage() + "' is not a stage of this chain" +
                       suggestion(norm.to_stage(), model.stage_index));
    }
    const bool days_ok = std::isfinite(norm.days()) && norm.days() > 0;
    if (!days_ok) {
      problems.add(field("norms", i, "days"), name + ": days must be a number more than 0 (got " +
                                                  format_days(norm.days()) + ")");
    }
    if (from < 0 || to < 0) continue;
    if (from == to) {
      problems.add(field("norms", i), name + ": from and to are the same stage");
      continue;
    }
    double& cell = model.norm_days[static_cast<size_t>(from) * n + to];
    if (cell >= 0 || cell == -2) {
      problems.add(field("norms", i), name + " is set more than once");
      continue;
    }
    // -2 marks "set but invalid" so a second definition is still reported.
    cell = days_ok ? norm.days() : -2;
  }
  for (double& cell : model.norm_days) {
    if (cell < 0) cell = -1;
  }

  check_measures(def, model, problems);
  check_goals(def, model, problems);
  check_holidays(def, model, problems);

  if (!problems.lines.empty()) {
    std::string message;
    for (const auto& line : problems.lines) {
      if (!message.empty()) message += '\n';
      message += line;
    }
    return Error{std::move(message)};
  }
  model.def = std::move(def);
  return model;
}

std::optional<double> ChainModel::norm(int from, int to) const {
  const int n = stage_count();
  if (from < 0 || to < 0 || from >= n || to >= n) return std::nullopt;
  const size_t at = static_cast<size_t>(from) * static_cast<size_t>(n) + static_cast<size_t>(to);
  if (at >= norm_days.size() || norm_days[at] < 0) return std::nullopt;
  return norm_days[at];
}

int ChainModel::milestone(std::string_view id) const {
  auto it = milestone_index.find(std::string(id));
  return it == milestone_index.end() ? -1 : it->second;
}

int ChainModel::partner(std::string_view id) const {
  auto it = partner_index.find(std::string(id));
  return it == partner_index.end() ? -1 : it->second;
}

int ChainModel::stage(std::string_view id) const {
  auto it = stage_index.find(std::string(id));
  return it == stage_index.end() ? -1 : it->second;
}

int ChainModel::measure(std::string_view id) const {
  auto it = measure_index.find(std::string(id));
  return it == measure_index.end() ? -1 : it->second;
}

bool ChainModel::partner_may_report(int milestone, int partner) const {
  if (milestone < 0 || milestone >= static_cast<int>(milestones.size())) return false;
  const auto& partners = milestones[static_cast<size_t>(milestone)].partners;
  return std::binary_search(partners.begin(), partners.end(), partner);
}

}  // namespace ketenflow::model
