// Fuzz target: the ndjson file decoder (engine/ingest/formats/ndjson.cc), NDJSON: one ClientEvent
// per line in the protobuf JSON mapping, with every decoded event validated as ingest would. Seeds:
// corpus/fuzz_ndjson/.
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ketenflow::fuzz::MemFile file;
  ketenflow::ingest::FileReadOptions options;
  options.format = ketenflow::ingest::ndjson_format();
  ketenflow::fuzz::drain_file(file, data, size, options);
  return 0;
}
