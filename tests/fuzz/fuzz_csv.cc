// Fuzz target: the csv file decoder (engine/ingest/formats/csv.cc), CSV rows with the
// process-mining column names (header row first), with every decoded event validated as ingest
// would. Seeds: corpus/fuzz_csv/.
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ketenflow::fuzz::MemFile file;
  ketenflow::ingest::FileReadOptions options;
  options.format = ketenflow::ingest::csv_format();
  ketenflow::fuzz::drain_file(file, data, size, options);
  return 0;
}
