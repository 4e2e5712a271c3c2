// Fuzz target: the chain file loader (engine/model/chain_file.cc) on any YAML
// text: every problem is reported, nothing crashes or runs unbounded.
// Seeds: corpus/fuzz_chain_yaml/.
#include <string>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)ketenflow::model::parse_chain_yaml(text, "fuzz.yaml");
  return 0;
}
