// ketenflow export: a chain's effective events as an XES or CSV event log.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "connectors/xes/xes_writer.h"
#include "store/chains.h"

namespace ketenflow::cli {
namespace {

struct ExportArgs {
  std::string data;
  std::string chain;
  std::string format = "xes";
  std::string activity_label = "id";
  std::string from;
  std::string to;
  std::string output;
};

int run_export(const ExportArgs& args) {
  xes::ExportOptions options;
  auto format = xes::parse_export_format(args.format);
  if (!format) return fail(format.error());
  options.format = *format;
  auto label = xes::parse_activity_label(args.activity_label);
  if (!label) return fail(label.error());
  if (*label == xes::ActivityLabel::kName && *format == xes::ExportFormat::kCsv) {
    return fail(
        "--activity-label name is for XES (its milestone ids go in ketenflow:milestone); "
        "a CSV export's activity column holds the ids");
  }
  options.activity_label = *label;
  auto range = parse_day_range(args.from, args.to);
  if (!range) return fail(range.error());
  options.from = range->from;
  options.to = range->to;
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto chain = store::load_chain(**store, args.chain);
  if (!chain) return fail(chain.error());

  std::ofstream file;
  if (!args.output.empty()) {
    file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!file) return fail(args.output + ": cannot write");
  }
  std::ostream& out = args.output.empty() ? std::cout : file;
  auto counts = xes::export_chain(**store, *chain, options, out);
  if (!counts) return fail((args.output.empty() ? "stdout" : args.output) + ": " + counts.error());
  out.flush();
  if (!out) return fail((args.output.empty() ? "stdout" : args.output) + ": write failed");
  std::cerr << "ketenflow: exported " << counts->traces << " traces, " << counts->events
            << " events (" << counts->left_out << " corrected or withdrawn left out)";
  if (!args.output.empty()) std::cerr << " to " << args.output;
  std::cerr << "\n";
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "A chain's effective events as an XES or CSV log for process-mining tools");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_option("--chain", args->chain, "Chain id")->required();
  cmd->add_option("--format", args->format, "xes | csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"xes", "csv"}));
  cmd->add_option("--activity-label", args->activity_label,
                  "XES: concept:name of an event is the milestone id, or its name (the id then in "
                  "ketenflow:milestone, which ingest reads back)")
      ->capture_default_str()
      ->check(CLI::IsMember({"id", "name"}));
  cmd->add_option("--from", args->from, "First local day YYYY-MM-DD of events (inclusive)");
  cmd->add_option("--to", args->to, "Last local day YYYY-MM-DD of events (exclusive)");
  cmd->add_option("--output", args->output, "File to write (default: stdout)");
  cmd->callback([args, &exit_code] { exit_code = run_export(*args); });
}

}  // namespace ketenflow::cli
