// `ketenflow chains`: check and show chain definitions.
//
//   ketenflow chains validate FILE...   check chain files or folders of them
//   ketenflow chains show FILE          print one chain as JSON
//
// validate prints "FILE: ok (chain ID: N stages, M milestones, P partners)"
// to stdout for every good file and every problem of a bad file to stderr as
// "FILE:LINE: what is wrong" (compiler style, so editors can jump to it),
// then a summary line "ketenflow: ..." when anything failed. A folder stands
// for its *.yaml / *.yml files (sorted by name), as in load_chains(). A chain
// id defined in two of the given files is an error too. Exit code: 1 if any
// file has a problem, else 0.
//
// show prints the checked chain (defaults filled in: time zone, ranks, the
// `to` of norms) as pretty protobuf JSON with the schema's field names.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "cli/command.h"
#include "model/chain_file.h"

namespace ketenflow::cli {
namespace {

namespace fs = std::filesystem;

// A folder argument becomes its chain files, as load_chains() reads them;
// anything else is passed on as is (load_chain_file() reports what is wrong).
std::vector<std::string> expand(const std::string& arg) {
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) return {arg};
  std::vector<std::string> files;
  for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    std::error_code type_ec;
    if ((ext == ".yaml" || ext == ".yml") && fs::is_regular_file(it->status(type_ec))) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) std::cerr << arg << ": no chain files (*.yaml, *.yml) in this folder\n";
  return files;
}

int validate(const std::vector<std::string>& args) {
  int checked = 0;
  int bad = 0;
  std::map<std::string, std::string> defined;  // chain id -> file
  std::set<fs::path> seen;                     // a file named twice is checked once
  for (const auto& arg : args) {
    const auto files = expand(arg);
    if (files.empty()) ++bad;
    for (const auto& file : files) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(file, ec);
      if (!ec && !seen.insert(canonical).second) continue;
      ++checked;
      auto model = model::load_chain_file(file);
      if (!model.ok()) {
        std::cerr << model.error() << '\n';
        ++bad;
        continue;
      }
      const v1::Chain& def = model->def;
      auto [at, added] = defined.emplace(def.id(), file);
      if (!added) {
        std::cerr << file << ": chain id '" << def.id() << "' is already defined in " << at->second
                  << '\n';
        ++bad;
        continue;
      }
      std::cout << file << ": ok (chain " << def.id() << ": " << def.stages_size() << " stages, "
                << def.milestones_size() << " milestones, " << def.partners_size()
                << " partners)\n";
    }
  }
  std::cout.flush();
  if (bad > 0) {
    return fail("chain files with problems: " + std::to_string(bad) + " of " +
                std::to_string(std::max(checked, bad)));
  }
  return 0;
}

int show(const std::string& file) {
  auto model = model::load_chain_file(file);
  if (!model.ok()) {
    std::cerr << model.error() << '\n';
    return fail("chain file " + file + " has problems");
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(model->def, &json, options);
  if (!status.ok()) return fail("cannot print chain as JSON: " + status.ToString());
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << '\n';
  return 0;
}

}  // namespace

void add_chains_command(CLI::App& app, int& exit_code) {
  CLI::App* chains = app.add_subcommand("chains", "Check and show chain definitions (YAML)");
  chains->require_subcommand(1);

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* validate_cmd = chains->add_subcommand(
      "validate", "Check chain files; prints every problem as FILE:LINE: what is wrong");
  validate_cmd->add_option("files", *files, "Chain files (*.yaml) or folders of chain files")
      ->required();
  validate_cmd->callback([files, &exit_code] { exit_code = validate(*files); });

  auto file = std::make_shared<std::string>();
  CLI::App* show_cmd =
      chains->add_subcommand("show", "Print a checked chain file as JSON (defaults filled in)");
  show_cmd->add_option("file", *file, "Chain file (*.yaml)")->required();
  show_cmd->callback([file, &exit_code] { exit_code = show(*file); });
}

}  // namespace ketenflow::cli
