// `ketenflow publish`: a partner system's event files to the Kafka events topic.
//
//   ketenflow publish --brokers B --chains PATH [--topic ketenflow.events]
//                     [--format ndjson|csv|pb] [--pseudonymize COLUMN --key-file F]
//                     [--chain ID] [CSV column options as ingest] [--timeout 60] FILE...
//
// Output: one summary line per file on stdout ("FILE: sent N, invalid N, not
// delivered N") and a total line with the rate; every record that was not
// sent or not delivered as "FILE:POSITION: reason" on stderr (never with its
// client_ref). Exit 0 only when every record was valid and acknowledged by
// the cluster (acks=all).
#include <cmath>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "connectors/publish/pseudonym.h"
#include "connectors/publish/publisher.h"
#include "model/chain_file.h"

namespace ketenflow::cli {
namespace {

struct PublishArgs {
  std::string brokers;
  std::string topic = "ketenflow.events";
  std::string chains;
  std::string format;
  std::string pseudonymize;
  std::string key_file;
  CsvOptions csv;
  double timeout_s = 60;
  bool quiet = false;
  std::vector<std::string> files;
};

std::string rate(uint64_t events, double seconds) {
  if (seconds <= 0) return "";
  std::string text = std::to_string(seconds);
  return " in " + text.substr(0, text.find('.') + 3) + " s, " +
         std::to_string(static_cast<uint64_t>(events / seconds)) + " events/s";
}

int run_publish(PublishArgs& args) {
  if (args.pseudonymize.empty() != args.key_file.empty()) {
    return fail(args.key_file.empty()
                    ? "--pseudonymize needs --key-file FILE (the key is never taken from the "
                      "command line)"
                    : "--key-file needs --pseudonymize COLUMN");
  }
  auto chains = model::load_chains(args.chains);
  if (!chains) return fail(chains.error());

  publish::PublishOptions options;
  options.brokers = args.brokers;
  options.topic = args.topic;
  options.timeout_ms = static_cast<int>(std::lround(args.timeout_s * 1000));
  if (!args.pseudonymize.empty()) {
    auto key = publish::read_key_file(args.key_file);
    if (!key) return fail(key.error());
    options.pseudonymize = publish::Pseudonymization{args.pseudonymize, std::move(*key)};
    // CSV: the raw identifier column is the case column.
    if (args.csv.case_column_given && args.csv.mapping.case_column != args.pseudonymize) {
      return fail("give the identifier column once: --pseudonymize " + args.pseudonymize +
                  " replaces --case-column " + args.csv.mapping.case_column);
    }
    args.csv.mapping.case_column = args.pseudonymize;
  }
  if (auto status =
          complete_csv_mapping(args.csv.mapping, args.csv.chain_id, *chains, args.csv.time_zone);
      !status) {
    return fail(status.error());
  }

  std::vector<publish::PublishFile> files;
  for (const std::string& file : args.files) {
    auto format = file_format_of(args.format, file);
    if (!format) return fail(format.error());
    if (!format->publishable) {
      return fail(file + ": publish does not send " + format->name +
                  " files; import them with ingest");
    }
    if (!format->chainless_records.empty() && args.csv.mapping.chain_id.empty()) {
      return fail(file + ": " + format->chainless_records + " carry no chain id; give --chain ID");
    }
    publish::PublishFile& entry = files.emplace_back();
    entry.path = file;
    entry.read.format = std::move(*format);
    entry.read.csv = args.csv.mapping;
  }
  if (!args.quiet) {
    options.progress = [](const publish::PublishProgress& p) {
      std::cerr << "ketenflow: publish: " << p.read << " records read, " << p.delivered
                << " delivered, " << p.in_flight << " in flight\n";
    };
  }

  auto report = publish::publish_files(*chains, files, options);
  if (!report) return fail(report.error());
  publish::FileReport total;
  total.file = "total";
  for (const publish::FileReport& file : report->files) {
    std::cout << publish::summary(file) << "\n";
    total.sent += file.sent;
    total.invalid += file.invalid;
    total.not_delivered += file.not_delivered;
  }
  std::cout << publish::summary(total) << rate(total.sent, report->seconds) << "\n";
  std::cout.flush();
  for (const publish::RecordProblem& problem : report->problems) {
    std::cerr << problem.file << (problem.position.empty() ? "" : ":" + problem.position) << ": "
              << problem.reason << "\n";
  }
  if (report->all_delivered()) return 0;
  if (total.not_delivered > 0 && !report->last_kafka_error.empty()) {
    std::cerr << "ketenflow: last Kafka error: " << report->last_kafka_error << "\n";
  }
  return fail(std::to_string(total.invalid + total.not_delivered) +
              " records were not published (see above); publishing the files again is "
              "harmless: the engine drops repeated events");
}

}  // namespace

void add_publish_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PublishArgs>();
  CLI::App* cmd = app.add_subcommand(
      "publish", "Validate event files and publish them to Kafka (partner side, idempotent)");
  cmd->add_option("--brokers", args->brokers, "Kafka bootstrap servers (host:port,...)")
      ->required();
  cmd->add_option("--topic", args->topic, "Events topic")->capture_default_str();
  cmd->add_option("--chains", args->chains, "Chain file or folder: records are checked first")
      ->required();
  cmd->add_option("--format", args->format, "ndjson | csv | pb (default: from the file name)");
  cmd->add_option("--pseudonymize", args->pseudonymize,
                  "Column (CSV) or attribute (NDJSON/pb; or clientRef) with the raw identifier; "
                  "client_ref becomes its HMAC-SHA256 pseudonym");
  cmd->add_option("--key-file", args->key_file,
                  "File holding the pseudonymisation key (mode 600, at least 16 bytes)");
  add_csv_options(cmd, args->csv);
  cmd->add_option("--timeout", args->timeout_s,
                  "Seconds a record may wait for its acknowledgement, and for the last ones")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  cmd->add_flag("--quiet", args->quiet, "No progress lines");
  cmd->add_option("FILE", args->files, "Event files")->required()->check(CLI::ExistingFile);
  cmd->callback([args, &exit_code] { exit_code = run_publish(*args); });
}

}  // namespace ketenflow::cli
