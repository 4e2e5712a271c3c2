// csv: a header row, then one event per row (libcsv; quoted fields may span
// lines). The separator is CsvMapping::delimiter, or the one of ',', ';', tab
// and '|' that splits the header into the most fields. Columns are mapped by name (CsvMapping); a
// row without an id column gets a hash of its cells as id, so a repeated row is a duplicate; the
// other non-empty cells become attributes named by their header. Positions are physical lines. A
// missing required column is an error of the whole file.
#include <csv.h>
#include <xxhash.h>

#include <algorithm>
#include <iterator>

#include "ingest/formats/byte_file_reader.h"
#include "ingest/validate.h"
#include "model/csv_cell.h"
#include "model/time.h"

namespace ketenflow::ingest {
namespace {

std::string delimiter_name(char c) {
  if (c == '\t') return "tab";
  return std::string("'") + c + "'";
}

std::string hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xf];
  return out;
}

// Collects the fields of one CSV row with libcsv.
struct CsvParser {
  csv_parser parser;
  std::vector<std::string> fields;
  bool row_done = false;

  CsvParser() { csv_init(&parser, CSV_APPEND_NULL); }
  void set_delimiter(char delimiter) {
    csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  }
  ~CsvParser() { csv_free(&parser); }
  CsvParser(const CsvParser&) = delete;
  CsvParser& operator=(const CsvParser&) = delete;

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

class CsvReader final : public ByteFileReader {
 public:
  explicit CsvReader(const FileReadOptions& options)
      : ByteFileReader(options), mapping_(options.csv) {}

  Status read_preamble() override;
  Result<bool> next(std::vector<SourceRecord>& out) override;
  uint64_t local_times() const override { return local_times_; }

 private:
  void decode_row(const std::string& line, SourceRecord& record);

  CsvMapping mapping_;
  CsvParser csv_;
  char delimiter_ = 0;
  uint64_t local_times_ = 0;
  // The parsed header, and the column index of each mapped name.
  std::vector<std::string> header_;
  struct Columns {
    int case_ = -1, activity = -1, time = -1, partner = -1, resource = -1, id = -1, recorded = -1;
  } columns_;
};

// The separator of a header line: the candidate that occurs most often
// outside quotes; ',' when none occurs.
char detect_delimiter(const std::string& line) {
  static constexpr char kCandidates[] = {',', ';', '\t', '|'};
  size_t counts[std::size(kCandidates)] = {};
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    for (size_t i = 0; i < std::size(kCandidates); ++i) counts[i] += c == kCandidates[i];
  }
  size_t best = 0;
  for (size_t i = 1; i < std::size(kCandidates); ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return kCandidates[best];
}

Status CsvReader::read_preamble() {
  std::string line;
  csv_.reset();
  bool complete = false;
  while (read_line(line)) {
    if (line.empty() && csv_.fields.empty()) continue;
    if (csv_.fields.empty() && !delimiter_) {
      delimiter_ = mapping_.delimiter ? mapping_.delimiter : detect_delimiter(line);
      csv_.set_delimiter(delimiter_);
    }
    if ((complete = csv_.feed(line))) break;
  }
  if (!complete) return Error{path() + ": no CSV header row"};
  header_.clear();
  for (const std::string& name : csv_.fields) header_.emplace_back(model::csv_unescaped(name));
  for (const std::string& name : header_) {
    if (!valid_utf8(name)) return Error{path() + ": the header row is not valid UTF-8"};
  }
  const CsvMapping& m = mapping_;
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
  if (columns_.partner < 0 && columns_.resource < 0 && m.partner_required) {
    missing += "\n  neither partner column \"" + m.partner_column + "\" nor resource column \"" +
               m.resource_column + "\" found (set --partner-column)";
  }
  if (!m.id_column.empty()) require(columns_.id, m.id_column, "--id-column");
  if (!m.recorded_column.empty())
    require(columns_.recorded, m.recorded_column, "--recorded-column");
  if (!missing.empty()) {
    return Error{path() + ": " + missing.substr(3) + "; columns are: " + all + " (separated by " +
                 delimiter_name(delimiter_) + "; set another with --delimiter)"};
  }
  return ok_status();
}

void CsvReader::decode_row(const std::string& line, SourceRecord& record) {
  const std::vector<std::string>& f = csv_.fields;
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
  const CsvMapping& m = mapping_;
  v1::ClientEvent event;
  event.set_chain_id(m.chain_id);
  event.set_client_ref(v[columns_.case_]);
  record.undecoded_client_ref = v[columns_.case_];
  event.set_type(v[columns_.activity]);
  std::string partner = columns_.partner >= 0 ? v[columns_.partner] : "";
  if (partner.empty() && columns_.resource >= 0) partner = v[columns_.resource];
  event.set_partner_id(partner);

  bool local = false;
  auto occurred = model::parse_instant(v[columns_.time], m.zone, &local);
  local_times_ += local;
  if (!occurred) {
    record.decode_error = {"malformed_field", m.time_column + ": " + occurred.error()};
    return;
  }
  *event.mutable_occurred_at() = model::from_ms(*occurred);
  if (columns_.recorded >= 0 && !v[columns_.recorded].empty()) {
    auto recorded = model::parse_instant(v[columns_.recorded], m.zone, &local);
    local_times_ += local;
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

Result<bool> CsvReader::next(std::vector<SourceRecord>& out) {
  out.clear();
  std::string line;
  while (out.size() < batch_records()) {
    csv_.reset();
    if (!read_line(line)) return !out.empty();
    const uint64_t first_line = lines();
    if (line.empty()) continue;
    std::string row = line;
    while (!csv_.feed(line)) {
      if (!read_line(line)) break;
      row += "\n" + line;
    }
    SourceRecord& record = out.emplace_back();
    record.position = "line " + std::to_string(first_line);
    if (!csv_.row_done) {
      record.raw = row;
      record.decode_error = {"decode_error", "unterminated quoted field at end of file"};
      break;
    }
    decode_row(row, record);
  }
  return true;
}

}  // namespace

InputFormat csv_format() {
  InputFormat format;
  format.name = "csv";
  format.extensions = {".csv"};
  format.chainless_records = "CSV rows";
  format.open = open_byte_file<CsvReader>;
  return format;
}

}  // namespace ketenflow::ingest
