// Input formats: each one file that describes itself as an InputFormat (its
// name, file extensions and how to open a reader) and is registered by name,
// as ClickHouse registers its formats:
//
//   ingest/formats/ndjson.cc      ndjson  .ndjson .jsonl .json  one ClientEvent per line
//                                         in the protobuf JSON mapping
//   ingest/formats/pb.cc          pb      .pb      varint length + serialized ClientEvent,
//                                                  repeated
//   ingest/formats/csv.cc         csv     .csv     a header row, then one event per row
//                                                  (CsvMapping)
//   connectors/xes/xes_format.cc  xes     .xes .xes.gz  an IEEE 1849 XES log, plain or
//                                                  gzipped; positions are trace boundaries
//
// The core registers its own formats (core_formats()); the CLI adds the
// connectors' (cli/formats.cc), so the core never depends on a connector. A
// new format is one new file and one line where its registry is made.
//
// A FileReader reads one file in batches from a byte offset, so an interrupted
// ingest resumes where its last applied batch ended. Records that cannot be
// decoded come out as SourceRecords without an event and with a reason; only
// an unreadable file (or a CSV without the required columns) is an error of
// the whole file. One reader, one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/pipeline.h"
#include "model/result.h"

namespace date {
class time_zone;
}

namespace ketenflow::ingest {

// Which CSV columns hold what. Defaults are the process-mining (XES / PM4Py)
// column names.
struct CsvMapping {
  std::string case_column = "case:concept:name";
  std::string activity_column = "concept:name";
  std::string time_column = "time:timestamp";
  // Partner: this column, or the resource column where it is empty or absent.
  std::string partner_column = "org:group";
  std::string resource_column = "org:resource";
  // Optional: without it a row's id is a hash of its content, so a repeated
  // row is a duplicate.
  std::string id_column;
  std::string recorded_column;
  // Whether a file without the partner and resource columns is an error; an
  // inferred chain takes such rows under an unknown partner.
  bool partner_required = true;
  // Field separator; 0: the one of ',', ';', tab and '|' that splits the
  // header row into the most fields (',' when none does).
  char delimiter = 0;
  // Also the chain id of XES events; partner_column and resource_column are
  // also the XES attributes of the partner.
  std::string chain_id;
  // For timestamps without an offset.
  const date::time_zone* zone = nullptr;
};

// Which events of a process-mining log become milestones: only `complete`
// ones, or start/complete pairs (the start time kept as an attribute).
enum class Lifecycle { kComplete, kPair };
Result<Lifecycle> parse_lifecycle(const std::string& text);

struct FileReadOptions;

class FileReader {
 public:
  // Opens `path` in `options.format` and positions it at byte `offset`, where
  // `lines` lines (pb: records; xes: traces) had been read before.
  static Result<std::unique_ptr<FileReader>> open(const std::string& path,
                                                  const FileReadOptions& options, uint64_t offset,
                                                  uint64_t lines);
  virtual ~FileReader() = default;

  // Replaces `out` with up to batch_records records (XES: whole traces, at
  // least that many); false once the file is exhausted and nothing was read.
  virtual Result<bool> next(std::vector<SourceRecord>& out) = 0;
  // Byte offset just after the last record returned.
  virtual uint64_t offset() const = 0;
  virtual uint64_t lines() const = 0;
  virtual uint64_t size() const = 0;
  // Events that became no milestone (lifecycle), in this run.
  virtual uint64_t skipped_events() const { return 0; }
  // Times read without a UTC offset (as local time in CsvMapping::zone), in
  // this run.
  virtual uint64_t local_times() const { return 0; }
};

using OpenFileReader = Result<std::unique_ptr<FileReader>> (*)(const std::string& path,
                                                               const FileReadOptions& options,
                                                               uint64_t offset, uint64_t lines);

struct InputFormat {
  std::string name;
  // Endings of file names in this format, with the dot (".xes.gz").
  std::vector<std::string> extensions;
  // What the records are called when they carry no chain id, so the reader
  // needs FileReadOptions::csv.chain_id ("CSV rows"); empty when they name
  // their chain.
  std::string chainless_records;
  // `publish` can send its records to Kafka (XES logs are imported only).
  bool publishable = true;
  OpenFileReader open = nullptr;
};

// The core's formats, defined in ingest/formats/.
InputFormat ndjson_format();
InputFormat pb_format();
InputFormat csv_format();

struct FileReadOptions {
  InputFormat format = ndjson_format();
  CsvMapping csv;
  Lifecycle lifecycle = Lifecycle::kComplete;
  size_t batch_records = 20000;
};

// Formats by name and by file name. Plain data; any thread once built.
class FormatRegistry {
 public:
  void add(InputFormat format);
  // The format called `name`.
  Result<InputFormat> find(std::string_view name) const;
  // The format called `name` when one is given, else the one `path` ends in.
  Result<InputFormat> for_file(std::string_view name, const std::string& path) const;
  // "ndjson, pb, csv or xes".
  std::string names() const;

 private:
  std::vector<InputFormat> formats_;
};

// ndjson, pb and csv.
FormatRegistry core_formats();

// The error of a file shorter than what the store has already read of it.
Error replaced_file_error(const std::string& path, uint64_t offset, uint64_t size);

}  // namespace ketenflow::ingest
