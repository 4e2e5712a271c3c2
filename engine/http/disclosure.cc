#include "http/disclosure.h"

#include <array>
#include <string>
#include <string_view>

namespace ketenflow::http {
namespace {

constexpr std::array<std::string_view, 11> kCountKeys = {"entries", "exits",   "reentries", "wip",
                                                         "count",   "within",  "clients",   "met",
                                                         "open",    "overdue", "pending"};

bool is_count_key(std::string_view key) {
  for (auto k : kCountKeys) {
    if (k == key) return true;
  }
  return false;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_small(const nlohmann::ordered_json& value, uint32_t k) {
  return value.is_number_integer() && value.get<int64_t>() >= 1 && value.get<int64_t>() < k;
}

// Whether the object itself counts fewer than k.
bool counts_few(const nlohmann::ordered_json& object, uint32_t k) {
  for (const char* key : {"count", "clients"}) {
    auto it = object.find(key);
    if (it != object.end() && is_small(*it, k)) return true;
  }
  return false;
}

void suppress(nlohmann::ordered_json& node, uint32_t k, bool few) {
  if (node.is_array()) {
    for (auto& item : node) suppress(item, k, few);
    return;
  }
  if (!node.is_object()) return;
  few = few || counts_few(node, k);
  bool child_few = false;
  for (auto& [key, value] : node.items()) {
    if (value.is_object() && (key == "current" || key == "previous")) {
      child_few = child_few || counts_few(value, k);
    }
    suppress(value, k, few);
  }
  const std::string small = "<" + std::to_string(k);
  for (auto it = node.begin(); it != node.end();) {
    const std::string& key = it.key();
    const bool statistic = key == "share" || key == "trend" || ends_with(key, "Seconds");
    if ((few || (child_few && key == "trend")) && statistic) {
      it = node.erase(it);
      continue;
    }
    if (is_count_key(key) && is_small(*it, k)) *it = small;
    ++it;
  }
}

}  // namespace

void suppress_small_counts(nlohmann::ordered_json& report, uint32_t k) {
  if (k <= 1) return;
  suppress(report, k, false);
}

}  // namespace ketenflow::http
