// ketenflow rejects: every record the engine refused, with its reason.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/common.h"
#include "query/format.h"
#include "query/rejects_query.h"

namespace ketenflow::cli {
namespace {

struct RejectsArgs {
  std::string data;
  query::RejectFilter filter;
  std::string format = "table";
};

std::string one_line(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s.size() > max ? s.substr(0, max) + "…" : s;
}

int run_rejects(const RejectsArgs& args) {
  auto store = open_for_reading(args.data);
  if (!store) return fail(store.error());
  auto page = query::list_rejects(**store, args.filter);
  if (!page) return fail(page.error());
  for (const auto& r : page->rejects) {
    if (args.format == "json") {
      std::cout << query::to_json(r, false);
    } else {
      std::cout << r.source() << ": " << r.position() << ": " << r.code() << ": " << r.reason()
                << "\n    " << one_line(r.record(), 160) << "\n";
    }
  }
  const uint64_t shown = page->rejects.size();
  const std::string of = shown == page->total
                             ? std::to_string(shown) + " rejected records"
                             : (shown == 0 ? std::string("none")
                                           : std::to_string(args.filter.offset + 1) + "-" +
                                                 std::to_string(args.filter.offset + shown)) +
                                   " of " + std::to_string(page->total) + " rejected records";
  // JSON lines stay records only: the count goes to stderr when a page is cut.
  if (args.format != "json") {
    std::cout << of << "\n";
  } else if (shown != page->total) {
    std::cerr << "ketenflow: " << of << "\n";
  }
  return 0;
}

}  // namespace

void add_rejects_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RejectsArgs>();
  CLI::App* cmd = app.add_subcommand("rejects", "List rejected records with their reasons");
  cmd->add_option("--data", args->data, "Store folder")->required();
  cmd->add_option("--code", args->filter.code, "Only this reason code (e.g. unknown_chain)");
  cmd->add_option("--limit", args->filter.limit, "At most this many (0: all)");
  cmd->add_option("--offset", args->filter.offset,
                  "Skip this many matching records first (pages: --offset 100 --limit 100)");
  cmd->add_option("--format", args->format, "table | json (one object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([args, &exit_code] { exit_code = run_rejects(*args); });
}

}  // namespace ketenflow::cli
