#include "model/csv_cell.h"

namespace ketenflow::model {
namespace {

// The characters after which a leading quote is an escape (csv_field adds
// one before each of them).
bool escapes(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' || c == '\'';
}

bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_plain_number(std::string_view text) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < text.size() && digit(text[i])) ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (!digits()) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

std::string csv_field(std::string_view text) {
  const bool formula = !text.empty() && escapes(text[0]) && !is_plain_number(text);
  if (!formula && text.find_first_of(",\"\n\r") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string_view csv_unescaped(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && escapes(cell[1])) return cell.substr(1);
  return cell;
}

}  // namespace ketenflow::model
