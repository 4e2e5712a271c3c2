// Helpers the commands share: opening stores with messages fit
// for the command line.
#pragma once

#include <memory>
#include <string>

#include "model/result.h"
#include "store/store.h"

namespace ketenflow::cli {

// Opens the store in `dir` for reading; works while an ingest writes to it.
Result<std::unique_ptr<store::Store>> open_for_reading(const std::string& dir);

}  // namespace ketenflow::cli
