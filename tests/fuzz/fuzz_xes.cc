// Fuzz target: the XES reader (connectors/xes/xes_reader.cc), plain or
// gzipped input, read once per lifecycle mode (complete only, start/complete
// pairs) with every decoded event validated as ingest would.
// Seeds: corpus/fuzz_xes/.
#include "connectors/xes/xes_format.h"
#include "connectors/xes/xes_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ketenflow::fuzz::MemFile file;
  for (const auto lifecycle :
       {ketenflow::xes::Lifecycle::kComplete, ketenflow::xes::Lifecycle::kPair}) {
    ketenflow::ingest::FileReadOptions options;
    options.format = ketenflow::xes::xes_format();
    options.lifecycle = lifecycle;
    ketenflow::fuzz::drain_file(file, data, size, options);
  }
  return 0;
}
