// CSV tables made of JSON rows: the one CSV writer of the HTTP API and of
// `ketenflow kpi --format csv`.
//
// Each row is a JSON object; nested objects are flattened into columns named
// with '.', lists of scalars are one cell (space-separated), a null value
// names its column with an empty cell. Columns come in order of first
// appearance over the rows. Cells are written by csv_field() (RFC 4180
// quoting, formula neutralising).
//
// Suppressed values: disclosure control (http/disclosure.h) turns hidden
// counts into strings ("<10", "x") and removes the statistics derived from
// them. Given the rows of the exact report too (same rows, same order), every
// cell that is a number there and not in `rows` is written empty, and the
// last column, `suppressed`, names those columns ("count<10 mean_days"; the
// bound after the name when the hidden value was one), so that numeric columns
// stay numeric for pandas and Excel. The `suppressed` column is always there.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ketenflow::query {

using JsonRows = std::vector<nlohmann::ordered_json>;

std::string csv_table(const JsonRows& rows, const JsonRows* exact = nullptr);

}  // namespace ketenflow::query
