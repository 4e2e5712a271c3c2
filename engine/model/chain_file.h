// Chain files: YAML definitions of a chain (format in README "Chain files").
//
// Loading reports every problem at once, each as "FILE:LINE: what is wrong",
// one per line of the error message, so `ketenflow chains validate` can show a
// partner the whole list in one go.
#pragma once

#include <string>
#include <vector>

#include "ketenflow/v1/chain.pb.h"
#include "model/chain.h"
#include "model/result.h"

namespace ketenflow::model {

// Parses and checks one chain file.
Result<ChainModel> load_chain_file(const std::string& path);

// `path` is a chain file or a folder; a folder loads every *.yaml / *.yml in it
// (sorted by name). Fails if any file fails or two files define the same id.
Result<std::vector<ChainModel>> load_chains(const std::string& path);

// Parses YAML text (for tests and for definitions kept in the store);
// `origin` names the text in error messages.
Result<ChainModel> parse_chain_yaml(const std::string& text, const std::string& origin);

}  // namespace ketenflow::model
