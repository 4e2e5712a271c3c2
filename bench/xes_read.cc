// Benchmark helper: reads an XES log with the engine's XesReader and nothing
// else (no store), to separate parsing from the ingest pipeline.
//
//   xes_read FILE.xes[.gz]   prints "EVENTS events in SECONDS s: RATE events/s"
#include <chrono>
#include <iostream>

#include "connectors/xes/xes_reader.h"
#include "model/time.h"

int main(int argc, char** argv) {
  using namespace ketenflow;
  if (argc != 2) {
    std::cerr << "usage: xes_read FILE\n";
    return 2;
  }
  xes::XesOptions options;
  options.chain_id = "bench";
  options.zone = *model::find_zone("Europe/Amsterdam");
  const auto started = std::chrono::steady_clock::now();
  auto reader = xes::XesReader::open(argv[1], options, 0);
  if (!reader) {
    std::cerr << reader.error() << "\n";
    return 1;
  }
  std::vector<ingest::SourceRecord> batch;
  uint64_t events = 0;
  while (true) {
    batch.clear();
    auto more = (*reader)->next(batch, 20000);
    if (!more) {
      std::cerr << more.error() << "\n";
      return 1;
    }
    if (!*more) break;
    events += batch.size();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << events << " events in " << seconds
            << " s: " << static_cast<uint64_t>(events / seconds) << " events/s\n";
  return 0;
}
