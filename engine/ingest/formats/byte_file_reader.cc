#include "ingest/formats/byte_file_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ketenflow::ingest {

namespace {
constexpr size_t kBufferBytes = size_t{1} << 20;
}  // namespace

ByteFileReader::~ByteFileReader() {
  if (file_ != nullptr) std::fclose(file_);
}

Status ByteFileReader::open_file(const std::string& path, uint64_t offset) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) return Error{path + ": " + std::strerror(errno)};
  std::fseek(file_, 0, SEEK_END);
  size_ = static_cast<uint64_t>(std::ftell(file_));
  std::fseek(file_, 0, SEEK_SET);
  buffer_.resize(kBufferBytes);
  if (offset > size_) return replaced_file_error(path, offset, size_);
  return ok_status();
}

void ByteFileReader::seek(uint64_t offset, uint64_t lines) {
  if (offset <= offset_) return;
  std::fseek(file_, static_cast<long>(offset), SEEK_SET);
  pos_ = end_ = 0;
  offset_ = offset;
  lines_ = lines;
}

bool ByteFileReader::fill() {
  if (pos_ < end_) return true;
  end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  pos_ = 0;
  return end_ > 0;
}

bool ByteFileReader::read_line(std::string& line) {
  line.clear();
  bool any = false;
  while (fill()) {
    any = true;
    const char* start = buffer_.data() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    if (nl != nullptr) {
      const size_t n = static_cast<const char*>(nl) - start;
      line.append(start, n);
      pos_ += n + 1;
      offset_ += n + 1;
      break;
    }
    line.append(start, end_ - pos_);
    offset_ += end_ - pos_;
    pos_ = end_;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (any) ++lines_;
  return any;
}

bool ByteFileReader::read_bytes(size_t n, std::string& out) {
  out.clear();
  while (out.size() < n && fill()) {
    const size_t take = std::min(n - out.size(), end_ - pos_);
    out.append(buffer_.data() + pos_, take);
    pos_ += take;
    offset_ += take;
  }
  return out.size() == n;
}

bool ByteFileReader::read_byte(uint8_t& byte) {
  if (!fill()) return false;
  byte = static_cast<uint8_t>(buffer_[pos_++]);
  ++offset_;
  return true;
}

void ByteFileReader::skip_rest() {
  std::fseek(file_, 0, SEEK_END);
  pos_ = end_ = 0;
  offset_ = size_;
}

}  // namespace ketenflow::ingest
