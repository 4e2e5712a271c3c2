// ketenflow ingest: files through the pipeline into a store.
#include <chrono>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "ingest/file_ingest.h"
#include "model/chain_file.h"
#include "model/inferred_chain.h"
#include "model/time.h"

namespace ketenflow::cli {
namespace {

struct IngestArgs {
  std::string data;
  std::string chains;
  std::string infer_chain;
  std::string format;
  std::string lifecycle = "complete";
  CsvOptions csv;
  size_t batch = 20000;
  bool sync = false;
  bool quiet = false;
  std::vector<std::string> files;
};

std::string summary(const ingest::BatchCounts& c) {
  std::string out = "accepted " + std::to_string(c.accepted) + ", duplicates " +
                    std::to_string(c.duplicates) + ", rejected " + std::to_string(c.rejected);
  if (!c.rejected_by_code.empty()) {
    out += " (";
    bool first = true;
    for (const auto& [code, n] : c.rejected_by_code) {
      out += (first ? "" : ", ") + code + " " + std::to_string(n);
      first = false;
    }
    out += ")";
  }
  if (c.unknown_partner > 0) {
    out += "; " + std::to_string(c.unknown_partner) + " accepted without a partner, counted as " +
           std::string(model::kUnknownPartner);
  }
  return out;
}

int run_ingest(IngestArgs& args) {
  if (args.chains.empty() == args.infer_chain.empty() && !args.chains.empty()) {
    return fail("give either --chains or --infer-chain, not both");
  }
  ingest::ChainSetup setup;
  if (!args.chains.empty()) {
    auto chains = model::load_chains(args.chains);
    if (!chains) return fail(chains.error());
    setup.chains = std::move(*chains);
  }
  setup.infer_chain = args.infer_chain;
  setup.infer_time_zone = args.csv.time_zone;

  store::StoreOptions store_options;
  store_options.sync = args.sync;
  auto store = store::Store::open(args.data, store_options);
  if (!store) return fail(store.error());
  auto pipeline = ingest::Pipeline::open(**store, std::move(setup));
  if (!pipeline) return fail(pipeline.error());
  if ((*pipeline)->chains().empty()) {
    return fail("no chains: give --chains PATH or --infer-chain NAME");
  }

  auto lifecycle = ingest::parse_lifecycle(args.lifecycle);
  if (!lifecycle) return fail(lifecycle.error());

  // CSV rows and XES traces carry no chain id: take --chain, the inferred
  // chain, or the only one.
  if (auto status = complete_csv_mapping(
          args.csv.mapping, args.csv.chain_id.empty() ? args.infer_chain : args.csv.chain_id,
          (*pipeline)->chains(), args.csv.time_zone);
      !status) {
    return fail(status.error());
  }
  const std::string& csv_chain = args.csv.mapping.chain_id;
  args.csv.mapping.partner_required = csv_chain.empty() || csv_chain != args.infer_chain;

  // Every file's format is known before anything is read: a usage mistake
  // ingests nothing.
  std::vector<ingest::InputFormat> formats;
  for (const std::string& file : args.files) {
    auto format = file_format_of(args.format, file);
    if (!format) return fail(format.error());
    if (!format->chainless_records.empty() && csv_chain.empty()) {
      return fail(file + ": " + format->chainless_records + " carry no chain id; give --chain ID");
    }
    formats.push_back(std::move(*format));
  }

  ingest::BatchCounts total;
  std::vector<std::string> broken;
  for (size_t f = 0; f < args.files.size(); ++f) {
    const std::string& file = args.files[f];
    ingest::FileIngestOptions options;
    options.read.format = formats[f];
    options.read.csv = args.csv.mapping;
    options.read.lifecycle = *lifecycle;
    options.read.batch_records = args.batch;
    const auto file_started = std::chrono::steady_clock::now();
    auto last_report = file_started;
    if (!args.quiet) {
      options.progress = [&](const ingest::FileIngestProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_report < std::chrono::seconds(5)) return;
        last_report = now;
        std::cerr << "ketenflow: " << file << ": "
                  << (p.bytes_done * 100 / std::max<uint64_t>(1, p.bytes_total)) << "% ("
                  << summary(p.counts) << ")\n";
      };
    }
    auto result = ingest::ingest_file(**pipeline, **store, file, options);
    // A store that fails takes no more files; a broken file only ends itself.
    if (!result) return fail(result.error());
    if (!result->broken.empty()) {
      std::cerr << "ketenflow: " << result->broken << "\n";
      broken.push_back(file);
    }
    if (result->local_times > 0) {
      // One line per file: a stated rule, not a silent guess.
      std::cerr << "ketenflow: warning: " << file << ": " << result->local_times
                << " times without a UTC offset were read as local time in "
                << model::zone_name(args.csv.mapping.zone)
                << " (the chain's time zone, else --time-zone)\n";
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - file_started).count();
    const uint64_t records =
        result->counts.accepted + result->counts.duplicates + result->counts.rejected;
    std::cout << file << ": " << summary(result->counts);
    if (result->skipped > 0) {
      std::cout << ", skipped " << result->skipped << " XES events that are no milestone"
                << (*lifecycle == ingest::Lifecycle::kPair ? " (unpaired start, other lifecycle)"
                                                           : " (lifecycle not complete)");
    }
    if (!result->broken.empty()) {
      std::cout << " (stopped early: the file is broken)";
    } else if (result->resumed_at > 0) {
      std::cout << (result->resumed_at >= result->size
                        ? " (already ingested)"
                        : " (resumed at byte " + std::to_string(result->resumed_at) + ")");
    }
    if (seconds > 0 && records > 0) {
      std::cout << " in " << std::to_string(seconds).substr(0, 5) << " s, "
                << static_cast<uint64_t>(records / seconds) << " records/s";
    }
    std::cout << "\n";
    ingest::add_counts(total, result->counts);
  }
  if (auto settled = (*store)->settle(); !settled) return fail(settled.error());
  if (args.files.size() > 1) std::cout << "total: " << summary(total) << "\n";
  if (total.rejected > 0) {
    std::cout << "see the rejected records with: ketenflow rejects --data " << args.data << "\n";
  }
  if (!broken.empty()) {
    std::string names;
    for (const std::string& file : broken) names += (names.empty() ? "" : ", ") + file;
    return fail(std::to_string(broken.size()) + " of " + std::to_string(args.files.size()) +
                " files could not be read to their end: " + names +
                " (the others are ingested; rerun with the repaired files to complete them)");
  }
  return 0;
}

}  // namespace

void add_ingest_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ingest", "Ingest event files (NDJSON, CSV, length-delimited protobuf, XES) into a store");
  cmd->add_option("--data", args->data, "Store folder (created when missing)")->required();
  cmd->add_option("--chains", args->chains, "Chain file or folder of chain files");
  cmd->add_option("--infer-chain", args->infer_chain,
                  "Infer a chain with this id from the log (every activity a stage)");
  cmd->add_option("--format", args->format,
                  "ndjson | csv | pb | xes (default: from the file name; .xes, .xes.gz)");
  cmd->add_option("--lifecycle", args->lifecycle,
                  "XES: complete (only complete events are milestones) | pair (start/complete "
                  "pairs, start time kept as attribute start_timestamp)")
      ->capture_default_str()
      ->check(CLI::IsMember({"complete", "pair"}));
  add_csv_options(cmd, args->csv);
  cmd->add_option("--batch", args->batch, "Records per atomic batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--sync", args->sync, "fsync every batch (survives a machine crash)");
  cmd->add_flag("--quiet", args->quiet, "No progress lines");
  cmd->add_option("FILE", args->files, "Files to ingest")->required()->check(CLI::ExistingFile);
  cmd->callback([args, &exit_code] { exit_code = run_ingest(*args); });
}

}  // namespace ketenflow::cli
