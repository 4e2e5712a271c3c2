#include "cli/common.h"

#include <iostream>

#include "cli/command.h"
#include "connectors/xes/xes_format.h"
#include "model/time.h"

namespace ketenflow::cli {

int fail(const std::string& message) {
  std::cerr << "ketenflow: " << message << "\n";
  return 1;
}

Result<std::unique_ptr<store::Store>> open_for_reading(const std::string& dir) {
  store::StoreOptions options;
  options.mode = store::StoreOptions::Mode::kReadOnly;
  return store::Store::open(dir, options);
}

namespace {

// A local day option, unset when empty; the error names the option.
Result<std::optional<int32_t>> day_option(const char* option, const std::string& text) {
  if (text.empty()) return std::optional<int32_t>();
  auto day = model::parse_day(text);
  if (!day) return Error{std::string(option) + ": " + day.error()};
  return std::optional<int32_t>(*day);
}

}  // namespace

Result<DayRange> parse_day_range(const std::string& from, const std::string& to) {
  auto first = day_option("--from", from);
  if (!first) return Error{first.error()};
  auto last = day_option("--to", to);
  if (!last) return Error{last.error()};
  return DayRange{*first, *last};
}

namespace {

// The input formats the commands read: the core's and the XES connector's.
const ingest::FormatRegistry& input_formats() {
  static const ingest::FormatRegistry registry = [] {
    ingest::FormatRegistry formats = ingest::core_formats();
    formats.add(xes::xes_format());
    return formats;
  }();
  return registry;
}

}  // namespace

Result<ingest::InputFormat> file_format_of(const std::string& format, const std::string& file) {
  return input_formats().for_file(format, file);
}

Result<char> parse_delimiter(const std::string& text) {
  if (text == "auto") return '\0';
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text.size() != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r') {
    return Error{
        "--delimiter must be one character other than a quote or a line break, 'tab' "
        "or 'auto', not \"" +
        text + "\""};
  }
  return text[0];
}

void add_csv_options(CLI::App* cmd, CsvOptions& csv) {
  cmd->add_option("--chain", csv.chain_id, "Chain id of CSV rows (default: the only chain)");
  cmd->add_option("--time-zone", csv.time_zone,
                  "Zone of CSV times without offset (and of inferred chains)")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
      "--case-column",
      [&csv](const std::string& column) {
        csv.mapping.case_column = column;
        csv.case_column_given = true;
      },
      "CSV: client_ref column (default case:concept:name)");
  cmd->add_option("--activity-column", csv.mapping.activity_column, "CSV: milestone column")
      ->capture_default_str();
  cmd->add_option("--time-column", csv.mapping.time_column, "CSV: occurred_at column")
      ->capture_default_str();
  cmd->add_option("--partner-column,--partner-attribute", csv.mapping.partner_column,
                  "CSV column / XES event attribute of the partner")
      ->capture_default_str();
  cmd->add_option("--resource-column,--resource-attribute", csv.mapping.resource_column,
                  "CSV column / XES event attribute of the partner where the partner one is "
                  "empty or absent")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
         "--delimiter",
         [&csv](const std::string& text) { csv.mapping.delimiter = *parse_delimiter(text); },
         "CSV: field separator, one character or 'tab' (default: auto, the one of , ; tab | "
         "that splits the header row into the most fields)")
      ->check([](const std::string& text) {
        auto d = parse_delimiter(text);
        return d ? std::string() : d.error();
      });
  cmd->add_option("--id-column", csv.mapping.id_column,
                  "CSV: event_id column (default: a hash of the row)");
  cmd->add_option("--recorded-column", csv.mapping.recorded_column, "CSV: recorded_at column");
}

Status complete_csv_mapping(ingest::CsvMapping& csv, const std::string& chain_id,
                            const std::vector<model::ChainModel>& chains,
                            const std::string& time_zone) {
  csv.chain_id = chain_id;
  if (csv.chain_id.empty() && chains.size() == 1) csv.chain_id = chains[0].def.id();
  auto zone = model::find_zone(time_zone);
  if (!zone) return Error{zone.error()};
  csv.zone = *zone;
  for (const auto& chain : chains) {
    if (chain.def.id() == csv.chain_id) csv.zone = chain.zone;
  }
  return ok_status();
}

}  // namespace ketenflow::cli
