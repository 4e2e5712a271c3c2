#include "http/disclosure.h"

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ketenflow::http {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 11> kCountKeys = {"entries", "exits",   "reentries", "wip",
                                                         "count",   "within",  "clients",   "met",
                                                         "open",    "overdue", "pending"};
// Counts that add up over the days of a period (wip, open and overdue are
// states at the period's end).
constexpr std::array<std::string_view, 8> kAdditiveKeys = {
    "entries", "exits", "reentries", "count", "within", "clients", "met", "pending"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int64_t value_of(const Json* v) { return v->get<int64_t>(); }

Json* member(Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// An integer count `key` of `object`, else nullptr.
Json* count_of(Json& object, const char* key) {
  Json* v = member(object, key);
  return v != nullptr && v->is_number_integer() ? v : nullptr;
}

// The integer `key` of the object `object[child]`, else nullptr.
Json* count_of(Json& object, const char* child, const char* key) {
  Json* c = member(object, child);
  return c != nullptr && c->is_object() ? count_of(*c, key) : nullptr;
}

// Additive counts below `node` by path ("stages/2/entries"), without the
// report's own `periods`.
void additive_cells(Json& node, const std::string& path, std::map<std::string, Json*>& out) {
  if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      additive_cells(node[i], path + "/" + std::to_string(i), out);
    }
    return;
  }
  if (!node.is_object()) return;
  for (auto& [key, value] : node.items()) {
    if (path.empty() && key == "periods") continue;
    if (value.is_number_integer() && one_of(kAdditiveKeys, key)) {
      out[path + "/" + key] = &value;
    } else if (value.is_structured()) {
      additive_cells(value, path + "/" + key, out);
    }
  }
}

// One additive cell of a report with periods: the total and the same cell of
// every period (kpi_query fills every period with the total's layout).
struct Column {
  Json* total;
  std::vector<Json*> periods;
};

// A stage's entries, exits and wip in one period.
struct StageCells {
  Json* entries;
  Json* exits;
  Json* wip;
};

struct PeriodGroup {
  std::vector<Column> columns;
  std::vector<std::vector<StageCells>> stages;  // [period][stage]
};

class Suppression {
 public:
  explicit Suppression(uint32_t k) : k_(k) {}

  // Takes in the tree and hides its small counts.
  void collect(Json& node) {
    if (node.is_array()) {
      for (auto& item : node) collect(item);
      return;
    }
    if (!node.is_object()) return;
    objects_.push_back(&node);
    for (auto& [key, value] : node.items()) {
      if (value.is_number_integer() && one_of(kCountKeys, key) && small(&value)) {
        hidden_[&value] = true;
      }
      if (value.is_structured()) collect(value);
    }
    if (Json* periods = member(node, "periods"); periods != nullptr && periods->is_array()) {
      add_group(node, *periods);
    }
  }

  // Hides every count the answer would otherwise give back.
  void run() {
    for (Json* object : objects_) hide_parts_with_small_complements(*object);
    while (pass()) {
    }
  }

  // Rounds every count to a multiple of `n`; a total that is the exact sum of
  // its periods becomes the sum of their rounded values.
  void round(uint32_t n) {
    std::vector<bool> exact;
    for (const PeriodGroup& group : groups_) {
      for (const Column& column : group.columns) {
        int64_t sum = 0;
        for (const Json* p : column.periods) sum += value_of(p);
        exact.push_back(sum == value_of(column.total));
      }
    }
    for (Json* object : objects_) {
      for (auto& [key, value] : object->items()) {
        if (!value.is_number_integer() || !one_of(kCountKeys, key)) continue;
        const int64_t v = value_of(&value);
        value = (v + n / 2) / n * n;
      }
    }
    size_t i = 0;
    for (const PeriodGroup& group : groups_) {
      for (const Column& column : group.columns) {
        if (!exact[i++]) continue;
        int64_t sum = 0;
        for (const Json* p : column.periods) sum += value_of(p);
        *column.total = sum;
      }
    }
  }

  // Writes "<k" and "x" in place of the hidden counts.
  void mark() {
    const std::string small = "<" + std::to_string(k_);
    for (auto& [cell, primary] : hidden_) *const_cast<Json*>(cell) = primary ? small : "x";
  }

 private:
  bool small(const Json* v) const {
    const int64_t x = value_of(v);
    return x >= 1 && x < k_;
  }
  bool hidden(const Json* v) const { return v != nullptr && hidden_.count(v) > 0; }
  // Hides a count shown so far (never a zero); true when it did.
  bool hide(Json* v) {
    if (v == nullptr || value_of(v) == 0 || hidden(v)) return false;
    hidden_[v] = false;
    return true;
  }

  void add_group(Json& report, Json& periods) {
    PeriodGroup group;
    std::map<std::string, Json*> total;
    additive_cells(report, "", total);
    std::vector<std::map<std::string, Json*>> cells(periods.size());
    for (size_t p = 0; p < periods.size(); ++p) {
      additive_cells(periods[p], "", cells[p]);
      std::vector<StageCells> stages;
      if (Json* list = member(periods[p], "stages"); list != nullptr && list->is_array()) {
        for (auto& stage : *list) {
          stages.push_back(
              {count_of(stage, "entries"), count_of(stage, "exits"), count_of(stage, "wip")});
        }
      }
      group.stages.push_back(std::move(stages));
    }
    for (auto& [path, cell] : total) {
      Column column{cell, {}};
      for (auto& period : cells) {
        auto it = period.find(path);
        if (it != period.end()) column.periods.push_back(it->second);
      }
      group.columns.push_back(std::move(column));
    }
    groups_.push_back(std::move(group));
  }

  void hide_part_of(Json* total, Json* part) {
    if (total == nullptr || part == nullptr) return;
    const int64_t t = value_of(total), p = value_of(part);
    if (p < 0 || p > t) return;
    if (t - p >= 1 && t - p < k_) hide(part);
  }

  void hide_parts_with_small_complements(Json& o) {
    hide_part_of(count_of(o, "entries"), count_of(o, "reentries"));
    hide_part_of(count_of(o, "clients"), count_of(o, "met"));
    hide_part_of(count_of(o, "clients"), count_of(o, "pending"));
    hide_part_of(count_of(o, "open"), count_of(o, "overdue"));
    hide_part_of(count_of(o, "count"), count_of(o, "norm", "within"));
  }

  // A count and the duration count equal to it are hidden together.
  bool mirror(Json* a, Json* b) {
    if (a == nullptr || b == nullptr || value_of(a) != value_of(b)) return false;
    if (hidden(a)) return hide(b);
    if (hidden(b)) return hide(a);
    return false;
  }

  // One round of the rules that depend on what is hidden already.
  bool pass() {
    bool more = false;
    for (Json* o : objects_) {
      more |= mirror(count_of(*o, "exits"), count_of(*o, "duration", "count"));
      more |= mirror(count_of(*o, "count"), count_of(*o, "delay", "count"));
      more |= mirror(count_of(*o, "clients"), count_of(*o, "duration", "count"));
      Json* entries = count_of(*o, "entries");
      Json* exits = count_of(*o, "exits");
      Json* wip = count_of(*o, "wip");
      if (entries && exits && wip && (hidden(entries) || hidden(exits) || hidden(wip))) {
        more |= hide(entries);
        more |= hide(exits);
      }
    }
    for (PeriodGroup& group : groups_) {
      // wip = wip before + entries - exits: a hidden wip at the end of one
      // period hides the next period's entries and exits.
      for (size_t p = 1; p < group.stages.size(); ++p) {
        const auto& before = group.stages[p - 1];
        for (size_t s = 0; s < group.stages[p].size() && s < before.size(); ++s) {
          if (!hidden(before[s].wip)) continue;
          more |= hide(group.stages[p][s].entries);
          more |= hide(group.stages[p][s].exits);
        }
      }
      for (const Column& column : group.columns) more |= second_in_column(column);
    }
    return more;
  }

  // total = sum of periods: exactly one unknown would be given back.
  bool second_in_column(const Column& column) {
    int unknown = hidden(column.total) ? 1 : 0;
    Json* smallest = nullptr;
    for (Json* p : column.periods) {
      if (hidden(p)) {
        ++unknown;
      } else if (value_of(p) > 0 && (smallest == nullptr || value_of(p) < value_of(smallest))) {
        smallest = p;
      }
    }
    if (unknown != 1) return false;
    return smallest != nullptr ? hide(smallest) : hide(column.total);
  }

  uint32_t k_;
  // Hidden counts: true when below k ("<k"), false when hidden for another's
  // sake ("x").
  std::map<const Json*, bool> hidden_;
  std::vector<Json*> objects_;
  std::vector<PeriodGroup> groups_;
};

bool is_hidden(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string();
}

// Whether the object itself counts fewer than k.
bool counts_few(const Json& object) {
  for (const char* key : {"count", "clients"}) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string() && it->get<std::string>().starts_with("<")) {
      return true;
    }
  }
  return false;
}

double ratio(const Json& part, const Json& total) {
  const int64_t t = total.get<int64_t>();
  return t > 0 ? static_cast<double>(part.get<int64_t>()) / static_cast<double>(t) : 0.0;
}

int64_t int_or_zero(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// A duration measure without a norm: its trend is the change of the mean.
bool mean_based(const Json& result) {
  auto norm = result.find("normDays");
  return result.value("kind", "") == "duration" &&
         (norm == result.end() || !norm->is_number() || norm->get<double>() <= 0);
}

// Whether a MeasureResult's share, or the counts it comes from, are hidden.
bool share_hidden(const Json& result) {
  return counts_few(result) || !result.contains("share") || is_hidden(result, "clients") ||
         is_hidden(result, "met") ||
         (result.contains("duration") && is_hidden(result["duration"], "count"));
}

// Removes what can no longer be shown, children first; with `rounded` shares
// and trends are computed again from the rounded counts.
void strip(Json& node, bool few, bool rounded) {
  if (node.is_array()) {
    for (auto& item : node) strip(item, few, rounded);
    return;
  }
  if (!node.is_object()) return;
  few = few || counts_few(node);
  for (auto& [key, value] : node.items()) strip(value, few, rounded);

  std::vector<std::string> drop;
  for (auto& [key, value] : node.items()) {
    const bool statistic = key == "share" || key == "trend" || ends_with(key, "Seconds");
    if (few && statistic) drop.push_back(key);
  }
  if (node.contains("share") && (node.contains("clients") || node.contains("met"))) {
    if (is_hidden(node, "clients") || is_hidden(node, "met")) {
      drop.push_back("share");
    } else if (rounded && node["share"].is_number() && node.contains("clients") &&
               node.contains("met")) {
      node["share"] = ratio(node["met"], node["clients"]);
    }
  }
  if (auto norm = node.find("norm"); norm != node.end() && norm->is_object()) {
    if (norm->contains("share") && norm->contains("within") && node.contains("count")) {
      if (is_hidden(node, "count") || is_hidden(*norm, "within")) {
        norm->erase("share");
      } else if (rounded) {
        (*norm)["share"] = ratio((*norm)["within"], node["count"]);
      }
    }
  }
  if (node.contains("trend") && node.contains("current") && node.contains("previous")) {
    const Json& current = node["current"];
    const Json& previous = node["previous"];
    if (share_hidden(current) || share_hidden(previous)) {
      drop.push_back("trend");
    } else if (rounded && !mean_based(current) && current["share"].is_number() &&
               previous["share"].is_number()) {
      const bool both = int_or_zero(current, "clients") > 0 && int_or_zero(previous, "clients") > 0;
      node["trend"] = both ? current["share"].get<double>() - previous["share"].get<double>() : 0.0;
    }
  }
  for (const std::string& key : drop) node.erase(key);
}

}  // namespace

bool is_count_key(std::string_view key) { return one_of(kCountKeys, key); }

void disclose(nlohmann::ordered_json& report, const DisclosurePolicy& policy) {
  const bool rounded = policy.round > 1;
  if (policy.k <= 1 && !rounded) return;
  Suppression suppression(std::max<uint32_t>(policy.k, 1));
  suppression.collect(report);
  suppression.run();
  if (rounded) suppression.round(policy.round);
  suppression.mark();
  strip(report, false, rounded);
}

void suppress_small_counts(nlohmann::ordered_json& report, uint32_t k) {
  disclose(report, DisclosurePolicy{k, 0});
}

}  // namespace ketenflow::http
