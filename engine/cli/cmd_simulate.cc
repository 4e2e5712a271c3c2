// `ketenflow simulate`: write simulated partner events for one chain to a file.
//
//   ketenflow simulate --chain FILE --clients N --seed S [--start DATE]
//                      [--disorder P] [--duplicates P] [--corrections P]
//                      --out FILE [--format ndjson|pb]
//
// ndjson: one ClientEvent per line in the protobuf JSON mapping (what
// MessageToJsonString prints with default options: lowerCamelCase, one line).
// pb: length-delimited binary ClientEvents, each preceded by its size as a
// varint (read back with google::protobuf::util::ParseDelimitedFromCodedStream).
// Without --format, a file name ending in .pb or .bin selects pb.
//
// Both formats are written from deterministic serialisations (map entries in
// key order), so the same options and seed give a byte-identical file. The
// file is written next to --out under a temporary name, synced, and renamed
// into place: a crash never leaves a half-written --out. A one-line summary
// goes to stderr.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include "cli/command.h"
#include "connectors/simulate/simulator.h"
#include "model/chain_file.h"
#include "model/event.h"
#include "model/time.h"

namespace ketenflow::cli {
namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;

constexpr int64_t kExtractAfterStartMs = int64_t{913} * 86'400'000;  // 30 months

struct SimulateArgs {
  std::string chain;
  int64_t clients = 0;
  uint64_t seed = 1;
  std::string start;
  double disorder = 0;
  double duplicates = 0;
  double corrections = 0;
  std::string out;
  std::string format;
};

constexpr int64_t kMaxClients = 1'000'000'000;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Checks a probability option; returns an error message or "".
std::string check_probability(const char* name, double value) {
  if (value >= 0.0 && value <= 1.0) return {};
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return std::string("--") + name + " must be a probability between 0 and 1, got " + text;
}

// Flushes a written file to disk, then renames it into place (and syncs the
// folder so the rename survives a power cut too).
std::string commit_file(const std::string& temp, const std::string& out) {
  const int fd = ::open(temp.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return "cannot sync " + temp + ": " + reason;
  }
  ::close(fd);
  std::error_code ec;
  fs::rename(temp, out, ec);
  if (ec) return "cannot rename " + temp + " to " + out + ": " + ec.message();
  const fs::path folder = fs::absolute(fs::path(out), ec).parent_path();
  if (!ec) {
    const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return {};
}

int run(const SimulateArgs& args) {
  // Options.
  if (args.clients <= 0) {
    return fail("--clients must be more than 0, got " + std::to_string(args.clients));
  }
  if (args.clients > kMaxClients) {
    return fail("--clients must be at most " + std::to_string(kMaxClients) + ", got " +
                std::to_string(args.clients));
  }
  for (const auto& problem : {check_probability("disorder", args.disorder),
                              check_probability("duplicates", args.duplicates),
                              check_probability("corrections", args.corrections)}) {
    if (!problem.empty()) return fail(problem);
  }
  std::string format = args.format;
  if (format.empty())
    format = ends_with(args.out, ".pb") || ends_with(args.out, ".bin") ? "pb" : "ndjson";
  if (format != "ndjson" && format != "pb") {
    return fail("--format must be ndjson or pb, got '" + format + "'");
  }
  if (args.out.empty()) return fail("--out needs a file name");

  auto chain = model::load_chain_file(args.chain);
  if (!chain.ok()) {
    std::cerr << chain.error() << '\n';
    return fail("chain file " + args.chain + " has problems");
  }

  simulate::SimulationOptions options;
  options.clients = static_cast<uint64_t>(args.clients);
  options.seed = args.seed;
  options.disorder = args.disorder;
  options.duplicates = args.duplicates;
  options.corrections = args.corrections;
  if (!args.start.empty()) {
    if (args.start.size() != 10 || !model::parse_day(args.start).ok()) {
      return fail("--start must be a date as YYYY-MM-DD, got '" + args.start + "'");
    }
    auto start = model::parse_instant(args.start, chain->zone);
    if (!start.ok()) return fail("--start: " + start.error());
    options.start_ms = start.value();
  }
  // Journeys run up to about three years after the first arrival; an extract
  // 30 months after --start holds no event after the moment of ingest
  // (occurred_in_future) for a start at least that long ago.
  options.end_ms = options.start_ms + kExtractAfterStartMs;

  // Output, under a temporary name until complete.
  const std::string temp = args.out + ".tmp-" + std::to_string(::getpid());
  std::vector<char> buffer(1 << 20);
  std::ofstream file;
  file.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  file.open(temp, std::ios::binary | std::ios::trunc);
  if (!file) return fail("cannot write " + args.out + ": " + std::strerror(errno));

  std::string error;
  const auto began = std::chrono::steady_clock::now();
  uint64_t count = 0;
  if (format == "pb") {
    pb::io::OstreamOutputStream stream(&file);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    count = simulate::simulate(*chain, options, [&](const v1::ClientEvent& event) {
      coded.WriteVarint32(static_cast<uint32_t>(event.ByteSizeLong()));
      event.SerializeWithCachedSizes(&coded);
    });
    coded.Trim();
    if (coded.HadError()) error = "write failed";
  } else {
    std::unique_ptr<pb::util::TypeResolver> resolver(pb::util::NewTypeResolverForDescriptorPool(
        "type.googleapis.com", pb::DescriptorPool::generated_pool()));
    const std::string type_url =
        "type.googleapis.com/" + v1::ClientEvent::descriptor()->full_name();
    std::string json;
    count = simulate::simulate(*chain, options, [&](const v1::ClientEvent& event) {
      if (!error.empty()) return;
      json.clear();
      const auto status = pb::util::BinaryToJsonString(resolver.get(), type_url,
                                                       model::canonical_bytes(event), &json);
      if (!status.ok()) {
        error = "cannot print event as JSON: " + status.ToString();
        return;
      }
      json += '\n';
      file.write(json.data(), static_cast<std::streamsize>(json.size()));
    });
  }
  file.close();
  if (error.empty() && !file) error = std::string("write failed: ") + std::strerror(errno);
  if (error.empty()) error = commit_file(temp, args.out);
  if (!error.empty()) {
    std::error_code ec;
    fs::remove(temp, ec);
    return fail(args.out + ": " + error);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f s, %.0f events/s", seconds,
                seconds > 0 ? static_cast<double>(count) / seconds : 0.0);
  std::cerr << "ketenflow: wrote " << count << " events for " << args.clients
            << " clients of chain " << chain->def.id() << " to " << args.out << " (" << format
            << ", " << rate << ")\n";
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Write simulated partner events for a chain (test data, demos, benchmarks)");
  cmd->add_option("--chain", args->chain, "Chain file (*.yaml)")->required();
  cmd->add_option("--clients", args->clients, "Number of clients (arriving over one year)")
      ->required();
  cmd->add_option("--seed", args->seed, "Random seed: the same seed gives the same file")
      ->required();
  cmd->add_option("--start", args->start,
                  "First day of arrivals, YYYY-MM-DD (local midnight in the chain's time zone; "
                  "default 2024-01-01); events after 30 months from it are left out");
  cmd->add_option("--disorder", args->disorder,
                  "Share of events delivered late, out of order (0-1, default 0)");
  cmd->add_option("--duplicates", args->duplicates,
                  "Share of events delivered twice (0-1, default 0)");
  cmd->add_option("--corrections", args->corrections,
                  "Share of events corrected or withdrawn later (0-1, default 0)");
  cmd->add_option("--out", args->out, "Output file (written via a temporary file)")->required();
  cmd->add_option("--format", args->format,
                  "ndjson (one JSON event per line) or pb (varint-delimited protobuf); "
                  "default: pb for *.pb / *.bin, else ndjson");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace ketenflow::cli
