// pb: varint length + serialized ClientEvent, repeated (protobuf's
// length-delimited stream). Positions are records. A length prefix that is
// no varint, exceeds 16 MiB or runs past the end loses the record boundaries:
// the rest of the file becomes one reject.
#include "ingest/formats/byte_file_reader.h"
#include "ingest/validate.h"

namespace ketenflow::ingest {
namespace {

// A length prefix beyond this is not a record boundary: the stream is broken.
constexpr uint64_t kMaxDelimitedBytes = uint64_t{16} << 20;

class PbReader final : public ByteFileReader {
 public:
  using ByteFileReader::ByteFileReader;

  Result<bool> next(std::vector<SourceRecord>& out) override {
    out.clear();
    if (broken_) return false;
    while (out.size() < batch_records()) {
      if (!more()) return !out.empty();
      const uint64_t start = offset();
      uint64_t length = 0;
      bool ok = false;
      std::string prefix;
      uint8_t byte = 0;
      for (int shift = 0; shift < 64 && read_byte(byte); shift += 7) {
        prefix.push_back(static_cast<char>(byte));
        length |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
          ok = true;
          break;
        }
      }
      SourceRecord& record = out.emplace_back();
      record.position = "offset " + std::to_string(start);
      record.raw_is_protobuf = true;
      count_record();
      std::string bytes;
      if (!ok || length > kMaxDelimitedBytes || !read_bytes(length, bytes)) {
        record.raw = (prefix + bytes).substr(0, kMaxEventBytes);
        skip_rest();
        record.decode_error = {
            "decode_error",
            "length-delimited stream broken at byte " + std::to_string(start) +
                (ok ? " (record of " + std::to_string(length) + " bytes runs past the end)"
                    : " (invalid length prefix)") +
                "; the rest of the file was skipped"};
        broken_ = true;
        return true;
      }
      v1::ClientEvent event;
      if (length <= kMaxEventBytes && event.ParseFromString(bytes)) {
        record.event = std::move(event);
      } else if (length <= kMaxEventBytes) {
        record.decode_error = {"decode_error", "not a valid ClientEvent protobuf"};
      }
      record.raw = std::move(bytes);
    }
    return true;
  }

 private:
  bool broken_ = false;
};

}  // namespace

InputFormat pb_format() {
  InputFormat format;
  format.name = "pb";
  format.extensions = {".pb"};
  format.open = open_byte_file<PbReader>;
  return format;
}

}  // namespace ketenflow::ingest
