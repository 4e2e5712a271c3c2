// Helpers the commands share: opening stores, reading day options, and telling
// the format and CSV mapping of event files, with messages fit for the command
// line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ingest/input_format.h"
#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::cli {

// Opens the store in `dir` for reading; works while an ingest writes to it.
Result<std::unique_ptr<store::Store>> open_for_reading(const std::string& dir);

// --from and --to: local days YYYY-MM-DD, [from, to), each unset when not
// given; an error names the option.
struct DayRange {
  std::optional<int32_t> from;
  std::optional<int32_t> to;
};
Result<DayRange> parse_day_range(const std::string& from, const std::string& to);

// The input format called `format` when given, else the one the name of
// `file` ends in (ingest/input_format.h lists them).
Result<ingest::InputFormat> file_format_of(const std::string& format, const std::string& file);

// The CSV options that ingest and publish share.
struct CsvOptions {
  ingest::CsvMapping mapping;
  std::string chain_id;
  std::string time_zone = "Europe/Amsterdam";
  bool case_column_given = false;
};
// A --delimiter value: one character, "tab" (or "\t") or "auto" ('\0').
Result<char> parse_delimiter(const std::string& text);
// Adds --chain, --time-zone, --delimiter and the --*-column options to `cmd`.
void add_csv_options(CLI::App* cmd, CsvOptions& csv);

// CSV rows carry no chain id: they get `chain_id`, else the only one of
// `chains` (else none: the caller refuses CSV files then). Times without an
// offset are read in that chain's time zone, else in `time_zone`.
Status complete_csv_mapping(ingest::CsvMapping& csv, const std::string& chain_id,
                            const std::vector<model::ChainModel>& chains,
                            const std::string& time_zone);

}  // namespace ketenflow::cli
