// ketenflow status: a store's running counters and source positions.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "ketenflow/v1/store.pb.h"
#include "store/keys.h"

namespace ketenflow::cli {
namespace {

struct StatusArgs {
  std::string data;
  std::string format = "table";
};

int run_status(const StatusArgs& args) {
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  v1::IngestCounters counters;
  auto raw = (*store)->get(store::Cf::kMeta, store::kCountersKey);
  if (!raw) return fail(raw.error());
  if (raw->has_value() && !counters.ParseFromString(**raw)) {
    return fail("the store in " + args.data + " has unreadable counters");
  }

  std::vector<v1::SourcePosition> positions;
  const std::string prefix = store::source_meta_key("");
  auto it = (*store)->iterate(store::Cf::kMeta);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    v1::SourcePosition p;
    if (!p.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return fail("the store in " + args.data + " has an unreadable source position at " +
                  it->key().ToString());
    }
    positions.push_back(std::move(p));
  }
  if (!it->status().ok()) {
    return fail("reading the store in " + args.data + " failed: " + it->status().ToString());
  }
  if (args.format == "json") {
    // Hand-written so that 64-bit counters are JSON numbers.
    std::cout << "{\"accepted\":" << counters.accepted()
              << ",\"duplicates\":" << counters.duplicates()
              << ",\"rejected\":" << counters.rejected() << ",\"positions\":[";
    for (size_t i = 0; i < positions.size(); ++i) {
      std::string source;
      for (char c : positions[i].source()) {
        if (c == '"' || c == '\\') source += '\\';
        source += c;
      }
      std::cout << (i ? "," : "") << "{\"source\":\"" << source
                << "\",\"offset\":" << positions[i].offset()
                << ",\"records\":" << positions[i].records() << "}";
    }
    std::cout << "]}\n";
  } else {
    std::cout << "accepted " << counters.accepted() << ", duplicates " << counters.duplicates()
              << ", rejected " << counters.rejected() << "\n";
    for (const auto& p : positions) {
      std::cout << p.source() << ": offset " << p.offset() << "\n";
    }
  }
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Counters (accepted, duplicates, rejected) and source positions of a store");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_option("--format", args->format, "table | json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([args, &exit_code] { exit_code = run_status(*args); });
}

}  // namespace ketenflow::cli
