// Chain files: YAML -> v1::Chain -> make_chain_model().
//
// Format (one chain per file; docs/chain-files.md has the full description):
//
//   id: wonen-eerst                      # required, [a-z0-9][a-z0-9._-]*
//   name: Van straat naar thuis          # Dutch label
//   time_zone: Europe/Amsterdam          # optional, default Europe/Amsterdam
//   partners:                            # organisations taking part
//     - {id: gemeente-denbosch, name: Gemeente 's-Hertogenbosch}
//   stages:                              # in chain order; rank = position unless `rank:` given
//     - {id: aanmelding, name: Aanmelding, owner: gemeente-denbosch}
//   milestones:                          # event types; partners = who may report it
//     - {id: aanmelding, name: Aanmelding, stage: aanmelding, partners: [gemeente-denbosch]}
//     - {id: begeleiding_afgeschaald, stage: afschaling, partners: [...], terminal: true}
//   norms:                               # handover norms in calendar days
//     - {from: aanmelding, to: intake, days: 1}   # `to` optional: the next stage by rank
//   inferred: false                      # optional; true only for chains inferred from a log
//   inactive_after_days: 365             # optional; no event for longer: "uit beeld"
//
// Keys: chain {id, name, time_zone, partners, stages, milestones, norms, inferred,
// measures, goals, holidays, inactive_after_days}; partner {id, name}; stage {id, name, owner,
// rank}; milestone {id, name, stage, partners, terminal}; norm {from, to, days}; measure {id, name,
// kind, from, to | before, milestones, from_occurrence, to_occurrence, days | norm_days,
// working_days, where, partner, contributes_to, target}; goal {id, name, measures}; holidays: a
// list of dates. Any other key is an error.
//
// Promise: every problem in a file is reported at once, one per line, each as
// "FILE:LINE: what is wrong" (LINE is 1-based), sorted by line. That covers
// YAML syntax errors, unknown or duplicate keys, values of the wrong type and
// every check of make_chain_model(): its problems carry a field path
// ("stages[2].owner: ...", see chain.cc) which is mapped back to the line of
// that field, or of the nearest enclosing node when the field is missing. A
// file that cannot be read is reported as "FILE: what is wrong". No exception
// leaves this module.
#include "model/chain_file.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace ketenflow::model {
namespace {

namespace fs = std::filesystem;

struct Problem {
  int line = 0;
  std::string text;
};

struct Field {
  YAML::Node key;
  YAML::Node value;
};
using Fields = std::map<std::string, Field>;

// State of one parse: the chain built so far, problems found by the YAML layer
// and the line of every field path (the paths make_chain_model() reports).
struct Parse {
  int root_line = 1;
  std::vector<Problem> problems;
  std::unordered_map<std::string, int> lines;
  // Field paths that already have a YAML-level problem; make_chain_model()
  // problems at or below them are follow-ups and are not reported again.
  std::set<std::string> reported;
  v1::Chain chain;
};

// Where each YAML document of a text starts, as yaml-cpp's event parser sees
// them. yaml-cpp 0.7's LoadAll loops for ever (allocating an empty document
// each turn) on a token that cannot start a node, such as a ',' at the start
// of a line: the parser reports an empty document without consuming it. So
// documents are read here one at a time, at most kMaxDocuments, and one that
// starts where the previous one started is that stuck token.
struct DocumentStarts : YAML::EventHandler {
  static constexpr size_t kMaxDocuments = 3;
  std::vector<YAML::Mark> starts;  // the document's first token
  std::vector<YAML::Mark> nodes;   // its root node
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}
  void node(const YAML::Mark& mark) {
    if (nodes.size() < starts.size()) nodes.push_back(mark);
  }
  // The index of the first document that did not move the parser on.
  std::optional<size_t> stuck() const {
    for (size_t i = 1; i < starts.size(); ++i) {
      if (starts[i].pos == starts[i - 1].pos) return i;
    }
    return std::nullopt;
  }
};

int line_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

void report(Parse& p, int line, std::string text) {
  p.problems.push_back({line > 0 ? line : p.root_line, std::move(text)});
}

void report_at(Parse& p, const std::string& path, int line, std::string text) {
  report(p, line, std::move(text));
  p.reported.insert(path);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined value";
  }
}

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

// The keys of a map node. Reports keys that are not text, unknown keys (with a
// suggestion for near misses) and keys given twice (the first one counts).
Fields read_map(Parse& p, const YAML::Node& node, std::initializer_list<std::string_view> allowed,
                std::string_view what) {
  Fields fields;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it->first is a temporary
    if (!key.IsScalar()) {
      report(p, line_of(key),
             "a key in " + std::string(what) + " must be text, got " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string text = "unknown key '" + name + "' in " + std::string(what);
      const std::string_view best = closest(name, std::vector<std::string_view>(allowed));
      if (!best.empty()) {
        text += " (did you mean '" + std::string(best) + "'?)";
      } else {
        text += " (expected one of: " + join(allowed) + ")";
      }
      report(p, line_of(key), std::move(text));
      continue;
    }
    auto [at, added] = fields.emplace(name, Field{key, it->second});
    if (!added) {
      report(p, line_of(key),
             "key '" + name + "' given twice in " + std::string(what) + " (first on line " +
                 std::to_string(line_of(at->second.key)) + ")");
    }
  }
  return fields;
}

const Field* find(const Fields& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

// Text value of `key`, "" when absent or empty. Records the line of `path`.
std::string read_text(Parse& p, const Fields& fields, const std::string& key,
                      const std::string& path) {
  const Field* f = find(fields, key);
  if (!f) return "";
  p.lines[path] = line_of(f->key);
  if (f->value.IsScalar()) return f->value.Scalar();
  if (f->value.IsNull()) return "";
  report_at(p, path, line_of(f->key), key + ": expected text, got " + describe(f->value));
  return "";
}

bool read_bool(Parse& p, const Fields& fields, const std::string& key, const std::string& path) {
  const Field* f = find(fields, key);
  if (!f) return false;
  p.lines[path] = line_of(f->key);
  if (f->value.IsScalar()) {
    static constexpr std::string_view kTrue[] = {"true", "True", "TRUE"};
    static constexpr std::string_view kFalse[] = {"false", "False", "FALSE"};
    const std::string& text = f->value.Scalar();
    if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) return true;
    if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) return false;
  }
  report_at(p, path, line_of(f->key), key + ": expected true or false, got " + describe(f->value));
  return false;
}

uint32_t read_rank(Parse& p, const Fields& fields, const std::string& path) {
  const Field* f = find(fields, "rank");
  if (!f) return 0;
  p.lines[path] = line_of(f->key);
  if (f->value.IsScalar()) {
    const std::string& text = f->value.Scalar();
    uint32_t rank = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rank);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return rank;
  }
  report_at(p, path, line_of(f->key),
            "rank: expected a whole number of 1 or more, got " + describe(f->value));
  return 0;
}

double read_days(Parse& p, const Fields& fields, const std::string& path) {
  const Field* f = find(fields, "days");
  if (!f) return 0;
  p.lines[path] = line_of(f->key);
  if (f->value.IsScalar()) {
    const std::string& text = f->value.Scalar();
    double days = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), days);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return days;
  }
  if (f->value.IsNull()) return 0;  // make_chain_model() reports "days must be more than 0"
  report_at(p, path, line_of(f->key),
            "days: expected a number of calendar days, got " + describe(f->value));
  return 0;
}

// The items of a list value; an absent or empty value is an empty list.
std::vector<YAML::Node> read_list(Parse& p, const Fields& fields, const std::string& key,
                                  const std::string& path) {
  const Field* f = find(fields, key);
  if (!f) return {};
  p.lines[path] = line_of(f->key);
  if (f->value.IsSequence()) return {f->value.begin(), f->value.end()};
  if (f->value.IsNull()) return {};
  report_at(p, path, line_of(f->key), key + ": expected a list, got " + describe(f->value));
  return {};
}

std::string item_path(const std::string& list, int index) {
  return list + "[" + std::to_string(index) + "]";
}

// Checks that a list item is a map and records its line. A bad item still gets
// an (empty) element so that later indexes keep matching the file.
bool check_item(Parse& p, const YAML::Node& item, const std::string& path, std::string_view what,
                std::string_view example) {
  p.lines[path] = line_of(item);
  if (item.IsMap()) return true;
  report_at(p, path, line_of(item),
            "each " + std::string(what) + " is a map like " + std::string(example) + ", got " +
                describe(item));
  return false;
}

void parse_partners(Parse& p, const Fields& root) {
  const auto items = read_list(p, root, "partners", "partners");
  for (const auto& item : items) {
    const std::string path = item_path("partners", p.chain.partners_size());
    v1::Partner& partner = *p.chain.add_partners();
    if (!check_item(p, item, path, "partner", "{id: gemeente-denbosch, name: ...}")) continue;
    const Fields f = read_map(p, item, {"id", "name"}, "a partner");
    partner.set_id(read_text(p, f, "id", path + ".id"));
    partner.set_name(read_text(p, f, "name", path + ".name"));
  }
}

void parse_stages(Parse& p, const Fields& root) {
  const auto items = read_list(p, root, "stages", "stages");
  for (const auto& item : items) {
    const std::string path = item_path("stages", p.chain.stages_size());
    v1::Stage& stage = *p.chain.add_stages();
    if (!check_item(p, item, path, "stage", "{id: aanmelding, name: ..., owner: ...}")) continue;
    const Fields f = read_map(p, item, {"id", "name", "owner", "rank"}, "a stage");
    stage.set_id(read_text(p, f, "id", path + ".id"));
    stage.set_name(read_text(p, f, "name", path + ".name"));
    stage.set_owner(read_text(p, f, "owner", path + ".owner"));
    stage.set_rank(read_rank(p, f, path + ".rank"));
  }
}

void parse_milestones(Parse& p, const Fields& root) {
  const auto items = read_list(p, root, "milestones", "milestones");
  for (const auto& item : items) {
    const std::string path = item_path("milestones", p.chain.milestones_size());
    v1::Milestone& milestone = *p.chain.add_milestones();
    if (!check_item(p, item, path, "milestone",
                    "{id: intake, name: ..., stage: ..., partners: [...]}")) {
      continue;
    }
    const Fields f =
        read_map(p, item, {"id", "name", "stage", "partners", "terminal"}, "a milestone");
    milestone.set_id(read_text(p, f, "id", path + ".id"));
    milestone.set_name(read_text(p, f, "name", path + ".name"));
    milestone.set_stage(read_text(p, f, "stage", path + ".stage"));
    milestone.set_terminal(read_bool(p, f, "terminal", path + ".terminal"));
    const std::string partners_path = path + ".partners";
    bool bad_partner = false;
    for (const auto& partner : read_list(p, f, "partners", partners_path)) {
      if (!partner.IsScalar()) {
        report(p, line_of(partner), "partners: expected partner ids, got " + describe(partner));
        bad_partner = true;
        continue;
      }
      p.lines[item_path(partners_path, milestone.partners_size())] = line_of(partner);
      milestone.add_partners(partner.Scalar());
    }
    // Only bad entries: "names no partners" would just repeat the problem.
    if (bad_partner && milestone.partners_size() == 0) p.reported.insert(partners_path);
  }
}

// Effective order of a stage for "the next stage by rank": its rank, else its
// 1-based position (inferred chains: the position only).
uint64_t order_of(const v1::Chain& chain, int stage) {
  if (chain.inferred()) return static_cast<uint64_t>(stage);
  const uint32_t rank = chain.stages(stage).rank();
  return rank > 0 ? rank : static_cast<uint64_t>(stage) + 1;
}

void parse_norms(Parse& p, const Fields& root) {
  const auto items = read_list(p, root, "norms", "norms");
  std::vector<std::pair<int, int>> open;  // (norm index, line) of norms without `to`
  for (const auto& item : items) {
    const int index = p.chain.norms_size();
    const std::string path = item_path("norms", index);
    v1::Norm& norm = *p.chain.add_norms();
    if (!check_item(p, item, path, "norm", "{from: aanmelding, to: intake, days: 1}")) continue;
    const Fields f = read_map(p, item, {"from", "to", "days"}, "a norm");
    norm.set_from_stage(read_text(p, f, "from", path + ".from_stage"));
    norm.set_days(read_days(p, f, path + ".days"));
    if (find(f, "to")) {
      norm.set_to_stage(read_text(p, f, "to", path + ".to_stage"));
    } else {
      open.emplace_back(index, line_of(item));
    }
  }
  // `to` left out: the next stage by rank (first in file order on a tie).
  for (const auto& [index, line] : open) {
    v1::Norm& norm = *p.chain.mutable_norms(index);
    const std::string to_path = item_path("norms", index) + ".to_stage";
    int from = -1;
    for (int s = 0; s < p.chain.stages_size() && from < 0; ++s) {
      if (!norm.from_stage().empty() && p.chain.stages(s).id() == norm.from_stage()) from = s;
    }
    if (from < 0) {
      p.reported.insert(to_path);  // the unknown `from` is reported by make_chain_model()
      continue;
    }
    int next = -1;
    for (int s = 0; s < p.chain.stages_size(); ++s) {
      if (order_of(p.chain, s) <= order_of(p.chain, from)) continue;
      if (next < 0 || order_of(p.chain, s) < order_of(p.chain, next)) next = s;
    }
    if (next < 0) {
      report_at(p, to_path, line,
                "norm from '" + norm.from_stage() +
                    "' has no `to:` and there is no stage after it; give `to:`");
      continue;
    }
    norm.set_to_stage(p.chain.stages(next).id());
  }
}

// A number value of `key` (0 when absent); `what` describes it in messages.
double read_number(Parse& p, const Fields& fields, const std::string& key, const std::string& path,
                   std::string_view what) {
  const Field* f = find(fields, key);
  if (!f) return 0;
  p.lines[path] = line_of(f->key);
  if (f->value.IsScalar()) {
    const std::string& text = f->value.Scalar();
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return number;
  }
  report_at(p, path, line_of(f->key),
            key + ": expected " + std::string(what) + ", got " + describe(f->value));
  return 0;
}

// A list of ids (milestones, measures) into `out`, recording each item's line.
template <typename Add>
void read_ids(Parse& p, const Fields& fields, const std::string& key, const std::string& path,
              std::string_view what, Add add) {
  int index = 0;
  bool bad = false;
  for (const auto& item : read_list(p, fields, key, path)) {
    if (!item.IsScalar()) {
      report(p, line_of(item), key + ": expected " + std::string(what) + ", got " + describe(item));
      bad = true;
      continue;
    }
    p.lines[item_path(path, index++)] = line_of(item);
    add(item.Scalar());
  }
  if (bad && index == 0) p.reported.insert(path);
}

void parse_measures(Parse& p, const Fields& root) {
  const auto items = read_list(p, root, "measures", "measures");
  for (const auto& item : items) {
    const std::string path = item_path("measures", p.chain.measures_size());
    v1::MeasureDef& m = *p.chain.add_measures();
    if (!check_item(p, item, path, "measure",
                    "{id: sleutel_90d, kind: within, from: aanmelding, to: sleutel_overhandigd, "
                    "days: 90}")) {
      continue;
    }
    const Fields f = read_map(p, item,
                              {"id", "name", "kind", "from", "to", "before", "milestones",
                               "from_occurrence", "to_occurrence", "days", "norm_days",
                               "working_days", "where", "partner", "contributes_to", "target"},
                              "a measure");
    m.set_id(read_text(p, f, "id", path + ".id"));
    m.set_name(read_text(p, f, "name", path + ".name"));
    m.set_kind(read_text(p, f, "kind", path + ".kind"));
    m.set_from(read_text(p, f, "from", path + ".from"));
    if (find(f, "to") && find(f, "before")) {
      report_at(p, path + ".to", line_of(find(f, "before")->key),
                "give either to: or before:, not both");
    } else if (find(f, "before")) {
      m.set_to(read_text(p, f, "before", path + ".to"));
    } else {
      m.set_to(read_text(p, f, "to", path + ".to"));
    }
    read_ids(p, f, "milestones", path + ".milestones", "milestone ids",
             [&](const std::string& id) { m.add_milestones(id); });
    m.set_from_occurrence(read_text(p, f, "from_occurrence", path + ".from_occurrence"));
    m.set_to_occurrence(read_text(p, f, "to_occurrence", path + ".to_occurrence"));
    if (find(f, "days") && find(f, "norm_days")) {
      report_at(p, path + ".days", line_of(find(f, "norm_days")->key),
                "give either days: or norm_days:, not both");
    } else {
      const std::string key = find(f, "norm_days") ? "norm_days" : "days";
      m.set_days(read_number(p, f, key, path + ".days", "a number of days"));
    }
    m.set_working_days(read_bool(p, f, "working_days", path + ".working_days"));
    if (const Field* where = find(f, "where")) {
      p.lines[path + ".where"] = line_of(where->key);
      if (where->value.IsMap()) {
        for (auto it = where->value.begin(); it != where->value.end(); ++it) {
          if (!it->first.IsScalar() || !it->second.IsScalar()) {
            report(p, line_of(it->first),
                   "where: expected attribute: value pairs of text, got " + describe(it->second));
            continue;
          }
          (*m.mutable_where())[it->first.Scalar()] = it->second.Scalar();
        }
      } else if (!where->value.IsNull()) {
        report_at(p, path + ".where", line_of(where->key),
                  "where: expected a map of attribute: value, got " + describe(where->value));
      }
    }
    m.set_partner(read_text(p, f, "partner", path + ".partner"));
    m.set_contributes_to(read_text(p, f, "contributes_to", path + ".contributes_to"));
    if (find(f, "target")) {
      m.set_target(read_number(p, f, "target", path + ".target", "a share from 0 to 1"));
    }
  }
}

void parse_goals(Parse& p, const Fields& root) {
  const auto items = read_list(p, root, "goals", "goals");
  for (const auto& item : items) {
    const std::string path = item_path("goals", p.chain.goals_size());
    v1::Goal& goal = *p.chain.add_goals();
    if (!check_item(p, item, path, "goal", "{id: thuis, name: ..., measures: [...]}")) continue;
    const Fields f = read_map(p, item, {"id", "name", "measures"}, "a goal");
    goal.set_id(read_text(p, f, "id", path + ".id"));
    goal.set_name(read_text(p, f, "name", path + ".name"));
    read_ids(p, f, "measures", path + ".measures", "measure ids",
             [&](const std::string& id) { goal.add_measures(id); });
  }
}

void parse_holidays(Parse& p, const Fields& root) {
  read_ids(p, root, "holidays", "holidays", "dates YYYY-MM-DD",
           [&](const std::string& day) { p.chain.add_holidays(day); });
}

void parse_root(Parse& p, const YAML::Node& root) {
  if (!root.IsMap()) {
    report(p, line_of(root),
           "expected a chain definition (a map with id, name, partners, stages, milestones and "
           "norms), got " +
               describe(root));
    p.reported.insert("");
    return;
  }
  p.root_line = std::max(1, line_of(root));
  const Fields f = read_map(p, root,
                            {"id", "name", "time_zone", "partners", "stages", "milestones", "norms",
                             "inferred", "measures", "goals", "holidays", "inactive_after_days"},
                            "the chain");
  p.chain.set_id(read_text(p, f, "id", "id"));
  p.chain.set_name(read_text(p, f, "name", "name"));
  p.chain.set_time_zone(read_text(p, f, "time_zone", "time_zone"));
  p.chain.set_inferred(read_bool(p, f, "inferred", "inferred"));
  p.chain.set_inactive_after_days(
      read_number(p, f, "inactive_after_days", "inactive_after_days", "a number of days"));
  parse_partners(p, f);
  parse_stages(p, f);
  parse_milestones(p, f);
  parse_norms(p, f);
  parse_measures(p, f);
  parse_goals(p, f);
  parse_holidays(p, f);
}

bool is_reported(const Parse& p, const std::string& path) {
  for (const auto& done : p.reported) {
    if (done.empty() || path == done) return true;
    if (path.size() > done.size() && path.compare(0, done.size(), done) == 0 &&
        (path[done.size()] == '.' || path[done.size()] == '[')) {
      return true;
    }
  }
  return false;
}

// Line of a field path, or of the nearest enclosing node that has one.
int line_for(const Parse& p, std::string path) {
  while (!path.empty()) {
    if (auto it = p.lines.find(path); it != p.lines.end() && it->second > 0) return it->second;
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return p.root_line;
}

// Adds make_chain_model()'s problems ("<field path>: <text>" lines) at the
// lines of their fields.
void add_model_problems(Parse& p, const std::string& message) {
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    const std::string line = message.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      report(p, p.root_line, line);
      continue;
    }
    const std::string path = line.substr(0, colon);
    if (is_reported(p, path)) continue;
    report(p, line_for(p, path), line.substr(colon + 2));
  }
}

std::string format(const std::string& origin, std::vector<Problem> problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string out;
  for (const auto& problem : problems) {
    if (!out.empty()) out += '\n';
    out += origin + ":" + std::to_string(problem.line) + ": " + problem.text;
  }
  return out;
}

// parse_chain_yaml(), also giving the line of the chain's `id` (for
// duplicate-id messages across files).
Result<ChainModel> parse_text(const std::string& text, const std::string& origin, int* id_line) {
  Parse p;
  try {
    YAML::Node root;
    DocumentStarts documents;
    try {
      root = YAML::Load(text);
      std::istringstream in(text);
      YAML::Parser parser(in);
      while (documents.starts.size() < DocumentStarts::kMaxDocuments &&
             parser.HandleNextDocument(documents)) {
      }
    } catch (const YAML::ParserException& e) {
      return Error{origin + ":" + std::to_string(e.mark.is_null() ? 1 : e.mark.line + 1) +
                   ": YAML syntax error: " + e.msg};
    }
    if (const auto stuck = documents.stuck()) {
      const YAML::Mark& at = documents.starts[*stuck];
      const char c = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size() ? text[at.pos] : '\0';
      return Error{origin + ":" + std::to_string(at.line + 1) + ": YAML syntax error: unexpected " +
                   (c > ' ' && c < 0x7f ? "'" + std::string(1, c) + "'"
                                        : "byte " + std::to_string(static_cast<uint8_t>(c)))};
    }
    if (root.IsNull()) {
      return Error{origin + ":1: the file is empty; expected a chain definition"};
    }
    if (documents.starts.size() > 1) {
      const YAML::Mark& second =
          documents.nodes.size() > 1 ? documents.nodes[1] : documents.starts[1];
      report(p, second.line + 1,
             "a chain file holds one chain, but this is a second YAML document");
    }
    parse_root(p, root);
  } catch (const YAML::Exception& e) {
    report(p, e.mark.is_null() ? p.root_line : e.mark.line + 1, "YAML error: " + e.msg);
    p.reported.insert("");
  } catch (const std::exception& e) {
    return Error{origin + ": cannot read chain definition: " + e.what()};
  }
  if (id_line) *id_line = line_for(p, "id");

  auto model = make_chain_model(p.chain);
  if (!model.ok()) add_model_problems(p, model.error());
  if (!p.problems.empty()) return Error{format(origin, std::move(p.problems))};
  return model;
}

Result<ChainModel> load_file(const std::string& path, int* id_line) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return Error{path + ": no such file"};
  if (fs::is_directory(status)) return Error{path + ": is a folder, expected a chain file"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open file"};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{path + ": cannot read file"};
  return parse_text(text, path, id_line);
}

}  // namespace

Result<ChainModel> parse_chain_yaml(const std::string& text, const std::string& origin) {
  return parse_text(text, origin, nullptr);
}

Result<ChainModel> load_chain_file(const std::string& path) { return load_file(path, nullptr); }

Result<std::vector<ChainModel>> load_chains(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return Error{path + ": no such file or folder"};

  std::vector<std::string> files;
  if (fs::is_directory(status)) {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& file = it->path();
      const std::string ext = file.extension().string();
      std::error_code type_ec;
      if ((ext == ".yaml" || ext == ".yml") && fs::is_regular_file(it->status(type_ec))) {
        files.push_back(file.string());
      }
    }
    if (ec) return Error{path + ": cannot list folder: " + ec.message()};
    if (files.empty()) return Error{path + ": no chain files (*.yaml, *.yml) in this folder"};
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }

  std::vector<ChainModel> chains;
  std::string errors;
  auto add_error = [&errors](const std::string& message) {
    if (!errors.empty()) errors += '\n';
    errors += message;
  };
  std::map<std::string, std::string> defined;  // chain id -> "FILE:LINE" of its first definition
  for (const auto& file : files) {
    int id_line = 1;
    auto model = load_file(file, &id_line);
    if (!model.ok()) {
      add_error(model.error());
      continue;
    }
    const std::string where = file + ":" + std::to_string(id_line);
    auto [at, added] = defined.emplace(model->def.id(), where);
    if (!added) {
      add_error(where + ": chain id '" + model->def.id() + "' is already defined at " + at->second);
      continue;
    }
    chains.push_back(std::move(model.value()));
  }
  if (!errors.empty()) return Error{std::move(errors)};
  return chains;
}

}  // namespace ketenflow::model
