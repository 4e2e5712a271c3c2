// Fuzz target: the pb file decoder (engine/ingest/formats/pb.cc), the length-delimited protobuf
// stream (varint length + ClientEvent), with every decoded event validated as ingest would. Seeds:
// corpus/fuzz_pb/.
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ketenflow::fuzz::MemFile file;
  ketenflow::ingest::FileReadOptions options;
  options.format = ketenflow::ingest::pb_format();
  ketenflow::fuzz::drain_file(file, data, size, options);
  return 0;
}
