#include "ingest/file_source.h"

#include <csv.h>
#include <google/protobuf/util/json_util.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ingest/validate.h"
#include "model/csv_cell.h"
#include "model/time.h"

namespace ketenflow::ingest {
namespace {

constexpr size_t kBufferBytes = size_t{1} << 20;
// A length prefix beyond this is not a record boundary: the stream is broken.
constexpr uint64_t kMaxDelimitedBytes = uint64_t{16} << 20;

std::string hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xf];
  return out;
}

}  // namespace

// Collects the fields of one CSV row with libcsv.
struct FileReader::CsvParser {
  csv_parser parser;
  std::vector<std::string> fields;
  bool row_done = false;

  CsvParser() { csv_init(&parser, CSV_APPEND_NULL); }
  ~CsvParser() { csv_free(&parser); }

  static void on_field(void* data, size_t len, void* self) {
    static_cast<CsvParser*>(self)->fields.emplace_back(static_cast<const char*>(data), len);
  }
  static void on_row(int, void* self) { static_cast<CsvParser*>(self)->row_done = true; }

  // Feeds one physical line; true once a row is complete.
  bool feed(const std::string& line) {
    csv_parse(&parser, line.data(), line.size(), on_field, on_row, this);
    if (!row_done) csv_parse(&parser, "\n", 1, on_field, on_row, this);
    return row_done;
  }
  void reset() {
    fields.clear();
    row_done = false;
  }
};

Result<FileFormat> parse_file_format(std::string_view text) {
  if (text == "ndjson") return FileFormat::kNdjson;
  if (text == "csv") return FileFormat::kCsv;
  if (text == "pb") return FileFormat::kPb;
  if (text == "xes") return FileFormat::kXes;
  return Error{"unknown format \"" + std::string(text) + "\" (use ndjson, csv, pb or xes)"};
}

Result<std::unique_ptr<FileReader>> FileReader::open(const std::string& path,
                                                     const FileReadOptions& options,
                                                     uint64_t offset, uint64_t lines) {
  std::unique_ptr<FileReader> reader(new FileReader());
  reader->options_ = options;
  reader->path_ = path;
  if (options.format == FileFormat::kXes) {
    xes::XesOptions xes;
    xes.chain_id = options.csv.chain_id;
    xes.zone = options.csv.zone;
    xes.lifecycle = options.lifecycle;
    auto opened = xes::XesReader::open(path, xes, lines);
    if (!opened) return Error{opened.error()};
    reader->xes_ = std::move(*opened);
    reader->size_ = reader->xes_->size();
    if (offset > reader->size_) {
      return Error{path + ": the store has read " + std::to_string(offset) +
                   " bytes of this file, but it is only " + std::to_string(reader->size_) +
                   " bytes now; it was replaced (ingest it under another name)"};
    }
    reader->offset_ = offset;
    reader->lines_ = lines;
    // A finished log is not read again.
    reader->broken_ = offset > 0 && offset == reader->size_;
    return reader;
  }
  reader->file_ = std::fopen(path.c_str(), "rb");
  if (reader->file_ == nullptr) return Error{path + ": " + std::strerror(errno)};
  std::fseek(reader->file_, 0, SEEK_END);
  reader->size_ = static_cast<uint64_t>(std::ftell(reader->file_));
  std::fseek(reader->file_, 0, SEEK_SET);
  reader->buffer_.resize(kBufferBytes);
  if (offset > reader->size_) {
    return Error{path + ": the store has read " + std::to_string(offset) +
                 " bytes of this file, but it is only " + std::to_string(reader->size_) +
                 " bytes now; it was replaced (ingest it under another name)"};
  }
  if (options.format == FileFormat::kCsv) {
    reader->csv_ = std::make_unique<CsvParser>();
    if (auto status = reader->read_csv_header(); !status) return Error{status.error()};
  }
  if (offset > reader->offset_) {
    std::fseek(reader->file_, static_cast<long>(offset), SEEK_SET);
    reader->pos_ = reader->end_ = 0;
    reader->offset_ = offset;
    reader->lines_ = lines;
  }
  return reader;
}

FileReader::~FileReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool FileReader::fill() {
  if (pos_ < end_) return true;
  end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  pos_ = 0;
  return end_ > 0;
}

bool FileReader::read_line(std::string& line) {
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

bool FileReader::read_bytes(size_t n, std::string& out) {
  out.clear();
  while (out.size() < n && fill()) {
    const size_t take = std::min(n - out.size(), end_ - pos_);
    out.append(buffer_.data() + pos_, take);
    pos_ += take;
    offset_ += take;
  }
  return out.size() == n;
}

Status FileReader::read_csv_header() {
  std::string line;
  csv_->reset();
  bool complete = false;
  while (read_line(line)) {
    if (line.empty() && csv_->fields.empty()) continue;
    if ((complete = csv_->feed(line))) break;
  }
  if (!complete) return Error{path_ + ": no CSV header row"};
  header_.clear();
  for (const std::string& name : csv_->fields) header_.emplace_back(model::csv_unescaped(name));
  for (const std::string& name : header_) {
    if (!valid_utf8(name)) return Error{path_ + ": the header row is not valid UTF-8"};
  }
  const CsvMapping& m = options_.csv;
  std::string all;
  for (size_t i = 0; i < header_.size(); ++i) all += (i ? ", " : "") + header_[i];
  const auto column = [&](const std::string& name, int* index) {
    for (size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] == name) *index = static_cast<int>(i);
    }
  };
  column(m.case_column, &columns_.case_);
  column(m.activity_column, &columns_.activity);
  column(m.time_column, &columns_.time);
  column(m.partner_column, &columns_.partner);
  column(m.resource_column, &columns_.resource);
  if (!m.id_column.empty()) column(m.id_column, &columns_.id);
  if (!m.recorded_column.empty()) column(m.recorded_column, &columns_.recorded);

  std::string missing;
  const auto require = [&](int index, const std::string& name, const char* option) {
    if (index < 0) missing += "\n  column \"" + name + "\" not found (set it with " + option + ")";
  };
  require(columns_.case_, m.case_column, "--case-column");
  require(columns_.activity, m.activity_column, "--activity-column");
  require(columns_.time, m.time_column, "--time-column");
  if (columns_.partner < 0 && columns_.resource < 0) {
    missing += "\n  neither partner column \"" + m.partner_column + "\" nor resource column \"" +
               m.resource_column + "\" found (set --partner-column)";
  }
  if (!m.id_column.empty()) require(columns_.id, m.id_column, "--id-column");
  if (!m.recorded_column.empty())
    require(columns_.recorded, m.recorded_column, "--recorded-column");
  if (!missing.empty()) return Error{path_ + ": " + missing.substr(3) + "; columns are: " + all};
  return ok_status();
}

void FileReader::decode_csv_row(const std::string& line, SourceRecord& record) {
  const std::vector<std::string>& f = csv_->fields;
  record.raw = line;
  if (f.size() != header_.size()) {
    record.decode_error = {"decode_error", "row has " + std::to_string(f.size()) +
                                               " fields, the header has " +
                                               std::to_string(header_.size())};
    return;
  }
  for (size_t i = 0; i < f.size(); ++i) {
    if (!valid_utf8(f[i])) {
      record.decode_error = {"malformed_field",
                             "column \"" + to_valid_utf8(header_[i]) + "\" is not valid UTF-8"};
      return;
    }
  }
  // Cell values as our CSV writer had them: a quote that neutralised a
  // formula is dropped (model/csv_cell.h). The row id below hashes the cells
  // as they are in the file.
  std::vector<std::string> v;
  v.reserve(f.size());
  for (const std::string& field : f) v.emplace_back(model::csv_unescaped(field));
  const CsvMapping& m = options_.csv;
  v1::ClientEvent event;
  event.set_chain_id(m.chain_id);
  event.set_client_ref(v[columns_.case_]);
  record.undecoded_client_ref = v[columns_.case_];
  event.set_type(v[columns_.activity]);
  std::string partner = columns_.partner >= 0 ? v[columns_.partner] : "";
  if (partner.empty() && columns_.resource >= 0) partner = v[columns_.resource];
  event.set_partner_id(partner);

  auto occurred = model::parse_instant(v[columns_.time], m.zone);
  if (!occurred) {
    record.decode_error = {"malformed_field", m.time_column + ": " + occurred.error()};
    return;
  }
  *event.mutable_occurred_at() = model::from_ms(*occurred);
  if (columns_.recorded >= 0 && !v[columns_.recorded].empty()) {
    auto recorded = model::parse_instant(v[columns_.recorded], m.zone);
    if (!recorded) {
      record.decode_error = {"malformed_field", m.recorded_column + ": " + recorded.error()};
      return;
    }
    *event.mutable_recorded_at() = model::from_ms(*recorded);
  }
  if (columns_.id >= 0) {
    event.set_event_id(v[columns_.id]);
  } else {
    XXH3_state_t* state = XXH3_createState();
    XXH3_128bits_reset(state);
    for (const std::string& field : f) XXH3_128bits_update(state, field.data(), field.size() + 1);
    const XXH128_hash_t h = XXH3_128bits_digest(state);
    XXH3_freeState(state);
    event.set_event_id("row-" + hex(h.high64) + hex(h.low64));
  }
  const int mapped[] = {columns_.case_,    columns_.activity, columns_.time,    columns_.partner,
                        columns_.resource, columns_.id,       columns_.recorded};
  for (size_t i = 0; i < f.size(); ++i) {
    if (v[i].empty() ||
        std::find(std::begin(mapped), std::end(mapped), static_cast<int>(i)) != std::end(mapped)) {
      continue;
    }
    (*event.mutable_attributes())[header_[i]] = v[i];
  }
  record.event = std::move(event);
}

Result<bool> FileReader::next(std::vector<SourceRecord>& out) {
  out.clear();
  if (broken_) return false;
  if (xes_) {
    auto more = xes_->next(out, options_.batch_records);
    if (!more) return Error{more.error()};
    offset_ = xes_->offset();
    lines_ = xes_->traces();
    return *more;
  }
  std::string line;
  while (out.size() < options_.batch_records) {
    const uint64_t start = offset_;
    switch (options_.format) {
      case FileFormat::kNdjson: {
        if (!read_line(line)) return !out.empty();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        SourceRecord& record = out.emplace_back();
        record.position = "line " + std::to_string(lines_);
        v1::ClientEvent event;
        google::protobuf::util::JsonParseOptions json;
        auto status = google::protobuf::util::JsonStringToMessage(line, &event, json);
        if (status.ok()) {
          record.event = std::move(event);
        } else {
          record.decode_error = {"decode_error",
                                 "not a ClientEvent in JSON: " + std::string(status.message())};
        }
        record.raw = std::move(line);
        break;
      }
      case FileFormat::kCsv: {
        csv_->reset();
        if (!read_line(line)) return !out.empty();
        const uint64_t first_line = lines_;
        if (line.empty()) continue;
        std::string row = line;
        while (!csv_->feed(line)) {
          if (!read_line(line)) break;
          row += "\n" + line;
        }
        SourceRecord& record = out.emplace_back();
        record.position = "line " + std::to_string(first_line);
        if (!csv_->row_done) {
          record.raw = row;
          record.decode_error = {"decode_error", "unterminated quoted field at end of file"};
          break;
        }
        decode_csv_row(row, record);
        break;
      }
      case FileFormat::kPb: {
        if (!fill()) return !out.empty();
        uint64_t length = 0;
        int shift = 0;
        bool ok = false;
        std::string prefix;
        while (shift < 64 && fill()) {
          const auto byte = static_cast<uint8_t>(buffer_[pos_++]);
          ++offset_;
          prefix.push_back(static_cast<char>(byte));
          length |= static_cast<uint64_t>(byte & 0x7f) << shift;
          shift += 7;
          if ((byte & 0x80) == 0) {
            ok = true;
            break;
          }
        }
        SourceRecord& record = out.emplace_back();
        record.position = "offset " + std::to_string(start);
        record.raw_is_protobuf = true;
        ++lines_;
        std::string bytes;
        if (!ok || length > kMaxDelimitedBytes || !read_bytes(length, bytes)) {
          // Record boundaries are lost: the rest of the file is one reject.
          record.raw = (prefix + bytes).substr(0, kMaxEventBytes);
          std::fseek(file_, 0, SEEK_END);
          pos_ = end_ = 0;
          offset_ = size_;
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
        break;
      }
      case FileFormat::kXes:
        return Error{path_ + ": internal error: XES file without its reader"};
    }
  }
  return true;
}

}  // namespace ketenflow::ingest
