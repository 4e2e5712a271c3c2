// The part of a FileReader that reads a plain file through one 1 MiB buffer
// from a byte offset, counting the bytes and the lines (or records) consumed:
// the base of the line- and length-delimited formats. One thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ingest/input_format.h"

namespace ketenflow::ingest {

class ByteFileReader : public FileReader {
 public:
  explicit ByteFileReader(const FileReadOptions& options) : batch_records_(options.batch_records) {}
  ~ByteFileReader() override;
  ByteFileReader(const ByteFileReader&) = delete;
  ByteFileReader& operator=(const ByteFileReader&) = delete;

  // Opens `path` at its start; an error when it cannot be read, or when it is
  // shorter than `offset` (the store read more of it: it was replaced).
  Status open_file(const std::string& path, uint64_t offset);
  // What the format reads from the file's start before any record (CSV: its
  // header row), on every open, also one that resumes at an offset.
  virtual Status read_preamble() { return ok_status(); }
  // Moves on to byte `offset`, where `lines` lines had been read before; does
  // nothing when the reader is there or past it already.
  void seek(uint64_t offset, uint64_t lines);

  uint64_t offset() const override { return offset_; }
  uint64_t lines() const override { return lines_; }
  uint64_t size() const override { return size_; }

 protected:
  size_t batch_records() const { return batch_records_; }
  const std::string& path() const { return path_; }
  // A line without its terminator (and a trailing '\r'); false at the end.
  bool read_line(std::string& line);
  // `n` bytes into `out`; false when the file ends first.
  bool read_bytes(size_t n, std::string& out);
  // The next byte; false at the end.
  bool read_byte(uint8_t& byte);
  // Whether any byte is left.
  bool more() { return fill(); }
  // Skips the rest of the file.
  void skip_rest();
  void count_record() { ++lines_; }

 private:
  bool fill();

  size_t batch_records_;
  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  uint64_t lines_ = 0;
  uint64_t size_ = 0;
};

// Opens `path` as a `Reader` (a ByteFileReader made from the options): the
// file, its preamble, then the seek to `offset`. An InputFormat::open.
template <typename Reader>
Result<std::unique_ptr<FileReader>> open_byte_file(const std::string& path,
                                                   const FileReadOptions& options, uint64_t offset,
                                                   uint64_t lines) {
  auto reader = std::make_unique<Reader>(options);
  if (auto status = reader->open_file(path, offset); !status) return Error{status.error()};
  if (auto status = reader->read_preamble(); !status) return Error{status.error()};
  reader->seek(offset, lines);
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace ketenflow::ingest
