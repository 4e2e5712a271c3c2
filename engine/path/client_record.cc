#include "path/client_record.h"

#include <google/protobuf/io/coded_stream.h>

namespace ketenflow::path {
namespace {

constexpr uint32_t kEventsTag = (1 << 3) | 2;  // field 1, length-delimited

}  // namespace

void append_path_input(const v1::PathInput& event, std::string& record) {
  const size_t size = event.ByteSizeLong();
  const size_t at = record.size();
  record.resize(at + 1 + google::protobuf::io::CodedOutputStream::VarintSize64(size) + size);
  auto* out = reinterpret_cast<uint8_t*>(record.data() + at);
  *out++ = kEventsTag;
  out = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(size, out);
  event.SerializeWithCachedSizesToArray(out);
}

bool parse_client_record(std::string_view record, std::vector<v1::PathInput>& out) {
  size_t at = 0;
  while (at < record.size()) {
    if (static_cast<uint8_t>(record[at++]) != kEventsTag) return false;
    uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      if (at == record.size() || shift > 28) return false;
      const auto byte = static_cast<uint8_t>(record[at++]);
      length |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (length > record.size() - at) return false;
    if (!out.emplace_back().ParseFromArray(record.data() + at, static_cast<int>(length))) {
      return false;
    }
    at += length;
  }
  return true;
}

}  // namespace ketenflow::path
