// ndjson: one ClientEvent per line in the protobuf JSON mapping; blank lines
// are skipped. Positions are lines.
#include <google/protobuf/util/json_util.h>

#include "ingest/formats/byte_file_reader.h"

namespace ketenflow::ingest {
namespace {

class NdjsonReader final : public ByteFileReader {
 public:
  using ByteFileReader::ByteFileReader;

  Result<bool> next(std::vector<SourceRecord>& out) override {
    out.clear();
    std::string line;
    while (out.size() < batch_records()) {
      if (!read_line(line)) return !out.empty();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      SourceRecord& record = out.emplace_back();
      record.position = "line " + std::to_string(lines());
      v1::ClientEvent event;
      auto status = google::protobuf::util::JsonStringToMessage(line, &event, {});
      if (status.ok()) {
        record.event = std::move(event);
      } else {
        record.decode_error = {"decode_error",
                               "not a ClientEvent in JSON: " + std::string(status.message())};
      }
      record.raw = std::move(line);
    }
    return true;
  }
};

}  // namespace

InputFormat ndjson_format() {
  InputFormat format;
  format.name = "ndjson";
  format.extensions = {".ndjson", ".jsonl", ".json"};
  format.open = open_byte_file<NdjsonReader>;
  return format;
}

}  // namespace ketenflow::ingest
