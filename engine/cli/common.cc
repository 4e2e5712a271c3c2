#include "cli/common.h"

#include <iostream>

#include "cli/command.h"

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

}  // namespace ketenflow::cli
