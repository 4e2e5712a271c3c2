// CSV cells: the one place where ketenflow decides how a value is written to
// a CSV file and how its CSV reader takes it back.
//
// Every CSV the project writes (kpi --format csv, export --format csv, the
// HTTP API's CSV answers) writes its cells with csv_field(): RFC 4180 quoting,
// and a cell a spreadsheet would run as a formula (OWASP "CSV injection": it
// begins with =, +, -, @, a tab or a carriage return) gets a leading single
// quote and is quoted, so a spreadsheet shows it as text. A cell that already
// begins with a single quote gets one more, so that csv_unescaped() gives
// every value back exactly; purely numeric cells (-0.1, 3, 2.5e-3) stay as
// they are: a spreadsheet reads them as numbers, never as formulas.
#pragma once

#include <string>
#include <string_view>

namespace ketenflow::model {

// `text` as one CSV cell (see above).
std::string csv_field(std::string_view text);

// A cell value as csv_field() had it: without the quote that neutralised a
// formula (a leading ' before =, +, -, @, tab, CR or another '). Every other
// value is returned unchanged.
std::string_view csv_unescaped(std::string_view cell);

// -?digits[.digits][(e|E)[+-]digits]
bool is_plain_number(std::string_view text);

}  // namespace ketenflow::model
