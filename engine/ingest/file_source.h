// File sources: NDJSON, CSV (process-mining column names) and length-delimited
// protobuf, read in batches from a byte offset so an interrupted ingest
// resumes where its last applied batch ended.
//
//   ndjson  one ClientEvent per line in the protobuf JSON mapping
//   pb      varint length + serialized ClientEvent, repeated
//   csv     a header row, then one event per row (see CsvMapping)
//   xes     an IEEE 1849 XES log, plain or gzipped (connectors/xes/xes_reader.h);
//           positions are trace boundaries
//
// Records that cannot be decoded come out as SourceRecords without an event
// and with a reason; only an unreadable file or a CSV without the required
// columns is an error of the whole file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/xes/xes_reader.h"
#include "ingest/pipeline.h"
#include "model/result.h"

namespace date {
class time_zone;
}

namespace ketenflow::ingest {

enum class FileFormat { kNdjson, kCsv, kPb, kXes };
Result<FileFormat> parse_file_format(std::string_view text);

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
  std::string chain_id;
  // For timestamps without an offset.
  const date::time_zone* zone = nullptr;
};

struct FileReadOptions {
  FileFormat format = FileFormat::kNdjson;
  // Also the chain id and time zone of XES events.
  CsvMapping csv;
  xes::Lifecycle lifecycle = xes::Lifecycle::kComplete;
  size_t batch_records = 20000;
};

class FileReader {
 public:
  // Opens `path` and positions it at byte `offset`, where `lines` lines (or,
  // for pb, records; for xes, traces) had been read before.
  static Result<std::unique_ptr<FileReader>> open(const std::string& path,
                                                  const FileReadOptions& options, uint64_t offset,
                                                  uint64_t lines);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Replaces `out` with up to batch_records records; false once the file is
  // exhausted and nothing was read.
  Result<bool> next(std::vector<SourceRecord>& out);
  // Byte offset just after the last record returned.
  uint64_t offset() const { return offset_; }
  uint64_t lines() const { return lines_; }
  uint64_t size() const { return size_; }
  // XES events that became no milestone (lifecycle), in this run.
  uint64_t skipped_events() const { return xes_ ? xes_->skipped_events() : 0; }

 private:
  FileReader() = default;
  bool fill();
  // A line without its terminator; false at end of file.
  bool read_line(std::string& line);
  bool read_bytes(size_t n, std::string& out);
  Status read_csv_header();
  void decode_csv_row(const std::string& line, SourceRecord& record);

  FileReadOptions options_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  uint64_t lines_ = 0;
  uint64_t size_ = 0;
  bool broken_ = false;
  std::string path_;
  // CSV: column index of each header name, and the parsed header.
  std::vector<std::string> header_;
  struct Columns {
    int case_ = -1, activity = -1, time = -1, partner = -1, resource = -1, id = -1, recorded = -1;
  } columns_;
  struct CsvParser;
  std::unique_ptr<CsvParser> csv_;
  std::unique_ptr<xes::XesReader> xes_;
};

}  // namespace ketenflow::ingest
