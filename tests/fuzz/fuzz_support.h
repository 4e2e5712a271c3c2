// What the fuzz targets (tests/fuzz/fuzz_*.cc, libFuzzer) share: the input as
// a file the decoders can open by path, and a small chain to check decoded
// events and report parameters against.
//
// The decoders read files (FileReader, XesReader open a path), so each input
// is written to one memfd per process and opened as /proc/self/fd/N: no disk
// I/O and no temporary files left behind.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "ingest/input_format.h"
#include "ingest/validate.h"
#include "model/chain_file.h"
#include "model/time.h"

namespace ketenflow::fuzz {

class MemFile {
 public:
  MemFile() : fd_(memfd_create("ketenflow-fuzz", 0)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  // Replaces the file's content with `data`.
  const std::string& write(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

// protobuf logs each string field that is not UTF-8 (a reject, correctly);
// thousands of such lines a second would bury libFuzzer's own output.
inline const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return true;
}();

// A made-up two-partner chain in Europe/Amsterdam with norms, a measure and a
// goal, so validation and report parameters see every kind of definition.
inline constexpr const char* kChainYaml = R"(id: fuzz-keten
name: Fuzz keten
time_zone: Europe/Amsterdam
partners:
  - {id: gemeente, name: Gemeente}
  - {id: opvang, name: Opvang}
stages:
  - {id: aanmelding, name: Aanmelding, owner: gemeente}
  - {id: intake, name: Intake, owner: opvang}
  - {id: afgesloten, name: Afgesloten, owner: gemeente}
milestones:
  - {id: aanmelding, name: Aanmelding, stage: aanmelding, partners: [gemeente, opvang]}
  - {id: intake, name: Intake, stage: intake, partners: [opvang]}
  - {id: afgesloten, name: Afgesloten, stage: afgesloten, partners: [gemeente], terminal: true}
norms:
  - {from: aanmelding, to: intake, days: 2}
measures:
  - {id: intake_2d, name: Intake binnen 2 dagen, kind: within, from: aanmelding, to: intake,
     days: 2, target: 0.9}
goals:
  - {id: snel, name: Snel geholpen, measures: [intake_2d]}
)";

inline const model::ChainModel& chain() {
  static const model::ChainModel* loaded = [] {
    auto parsed = model::parse_chain_yaml(kChainYaml, "fuzz-keten.yaml");
    if (!parsed) {
      std::fprintf(stderr, "fuzz chain: %s\n", parsed.error().c_str());
      std::abort();
    }
    return new model::ChainModel(std::move(*parsed));
  }();
  return *loaded;
}

// Reads every record of `data` as a file in `options.format` and passes what
// was decoded on as ingest does: validation against the chain (checked and
// open membership), identifier masking and redaction of what a reject keeps.
inline void drain_file(MemFile& file, const uint8_t* data, size_t size,
                       ingest::FileReadOptions options) {
  static const date::time_zone* zone = *model::find_zone("Europe/Amsterdam");
  options.csv.chain_id = chain().def.id();
  options.csv.zone = zone;
  options.batch_records = 7;  // small batches: batch boundaries inside the input
  auto reader = ingest::FileReader::open(file.write(data, size), options, 0, 0);
  if (!reader) return;
  std::vector<ingest::SourceRecord> batch;
  for (int batches = 0; batches < 100000; ++batches) {
    auto more = (*reader)->next(batch);
    if (!more || !*more) break;
    for (const ingest::SourceRecord& record : batch) {
      (void)ingest::mask_identifiers(record.raw);
      if (!record.event) continue;
      (void)ingest::validate(*record.event, &chain());
      (void)ingest::validate(*record.event, nullptr, ingest::Membership::kOpen);
      (void)ingest::redact(record.event->client_ref());
    }
  }
}

}  // namespace ketenflow::fuzz
