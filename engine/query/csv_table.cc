#include "query/csv_table.h"

#include <unordered_map>

#include "model/csv_cell.h"

namespace ketenflow::query {
namespace {

struct Cell {
  std::string column;
  std::string text;
  bool number = false;
};

void flatten(const nlohmann::ordered_json& value, const std::string& prefix,
             std::vector<Cell>& out) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      flatten(item, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (value.is_array()) {
    // Lists of scalars (partners, event ids) in one cell; nested objects are
    // rows of their own routes.
    std::string joined;
    for (const auto& item : value) {
      if (item.is_object() || item.is_array()) continue;
      if (!joined.empty()) joined += " ";
      joined += item.is_string() ? item.get<std::string>() : item.dump();
    }
    out.push_back({prefix, joined});
  } else if (value.is_string()) {
    out.push_back({prefix, value.get<std::string>()});
  } else if (value.is_null()) {
    out.push_back({prefix, ""});
  } else {
    out.push_back({prefix, value.dump(), value.is_number()});
  }
}

}  // namespace

std::string csv_table(const JsonRows& rows, const JsonRows* exact) {
  std::vector<std::string> columns;
  std::unordered_map<std::string, size_t> index;
  const auto column_of = [&](const std::string& name) {
    auto [it, added] = index.emplace(name, columns.size());
    if (added) columns.push_back(name);
    return it->second;
  };
  std::vector<std::vector<std::string>> cells(rows.size());
  std::vector<std::string> suppressed(rows.size());
  std::vector<Cell> flat, exact_flat;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& row = cells[i];
    const auto put = [&row](size_t column, std::string text) {
      if (row.size() <= column) row.resize(column + 1);
      row[column] = std::move(text);
    };
    flat.clear();
    flatten(rows[i], "", flat);
    exact_flat.clear();
    if (exact != nullptr && i < exact->size()) flatten((*exact)[i], "", exact_flat);
    // Exact columns first, so that a column hidden in every row still exists.
    std::unordered_map<std::string, const Cell*> shown;
    for (const Cell& cell : flat) shown.emplace(cell.column, &cell);
    for (const Cell& cell : exact_flat) {
      const size_t column = column_of(cell.column);
      if (!cell.number) continue;
      auto it = shown.find(cell.column);
      if (it != shown.end() && it->second->number) continue;
      std::string& list = suppressed[i];
      if (!list.empty()) list += ' ';
      list += cell.column;
      if (it != shown.end() && it->second->text.size() > 1 && it->second->text[0] == '<') {
        list += it->second->text;
      }
      put(column, "");
      if (it != shown.end()) shown.erase(it);
    }
    for (Cell& cell : flat) {
      if (!shown.contains(cell.column)) continue;
      put(column_of(cell.column), std::move(cell.text));
    }
  }
  std::string out;
  for (const std::string& column : columns) out += model::csv_field(column) + ",";
  out += "suppressed\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c < cells[i].size()) out += model::csv_field(cells[i][c]);
      out += ',';
    }
    out += model::csv_field(suppressed[i]);
    out += '\n';
  }
  return out;
}

}  // namespace ketenflow::query
