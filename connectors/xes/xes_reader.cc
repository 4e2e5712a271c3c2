#include "connectors/xes/xes_reader.h"

#include <expat.h>
#include <xxhash.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <utility>

#include "connectors/xes/xml_escape.h"
#include "model/time.h"

namespace ketenflow::xes {
namespace {

constexpr int kChunkBytes = 1 << 16;

// A record's raw text: the event's attributes inside its trace's name.
constexpr std::string_view kRawPrefix = "<trace><string key=\"concept:name\" value=\"";

// Element depths: <log> 1, its children 2, trace children 3, event children 4.
constexpr int kTraceDepth = 2;
constexpr int kEventDepth = 3;

std::string hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xf];
  return out;
}

// The attribute element types kept as values; lists and containers are not.
const char* value_tag(const char* name) {
  static constexpr const char* kTags[] = {"string", "date", "int", "float", "boolean", "id"};
  for (const char* tag : kTags) {
    if (std::strcmp(name, tag) == 0) return tag;
  }
  return nullptr;
}

struct Attribute {
  const char* tag;
  std::string key;
  std::string value;
};

// Attributes of one element; cleared without freeing, so reading a log
// allocates only while its largest trace is being read.
struct Attributes {
  std::vector<Attribute> items;
  size_t count = 0;

  void clear() { count = 0; }
  void add(const char* tag, const char* key, const char* value) {
    if (count == items.size()) items.emplace_back();
    Attribute& a = items[count++];
    a.tag = tag;
    a.key.assign(key);
    a.value.assign(value);
  }
  std::vector<Attribute>::const_iterator begin() const { return items.begin(); }
  std::vector<Attribute>::const_iterator end() const {
    return items.begin() + static_cast<std::ptrdiff_t>(count);
  }
};

struct RawEvent {
  uint64_t line = 0;
  Attributes attributes;
};

bool equals_lower(const std::string& text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))) != word[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string derived_event_id(const std::string& trace, uint64_t index) {
  std::string input = trace;
  input.push_back('\0');
  input += std::to_string(index);
  const XXH128_hash_t h = XXH3_128bits(input.data(), input.size());
  return "xes-" + hex(h.high64) + hex(h.low64);
}

struct XesReader::State {
  XesReader* reader = nullptr;
  std::string path;
  XesOptions options;
  gzFile file = nullptr;
  XML_Parser parser = nullptr;
  bool direct = true;  // not compressed
  uint64_t skip_traces = 0;
  bool final_fed = false;
  uint64_t fed = 0;  // bytes given to expat (uncompressed)
  bool done = false;
  bool suspended = false;
  std::string error;  // set by a handler that stopped the parser

  int depth = 0;
  int skip_from = 0;  // ignore everything below the element at this depth
  bool in_trace = false;
  bool skipping_trace = false;
  bool in_event = false;
  Attributes trace_attributes;
  std::vector<RawEvent> events;  // the first event_count are this trace's
  size_t event_count = 0;

  std::vector<ingest::SourceRecord>* out = nullptr;
  size_t min_records = 0;

  ~State() {
    if (parser != nullptr) XML_ParserFree(parser);
    if (file != nullptr) gzclose(file);
  }

  void stop(std::string message) {
    error = std::move(message);
    XML_StopParser(parser, XML_FALSE);
  }

  static void on_start(void* self, const XML_Char* name, const XML_Char** atts) {
    static_cast<State*>(self)->start(name, atts);
  }
  static void on_end(void* self, const XML_Char*) { static_cast<State*>(self)->end(); }

  void start(const char* name, const char** atts) {
    ++depth;
    if (skip_from != 0) return;
    if (depth == 1) {
      if (std::strcmp(name, "log") != 0) {
        stop(std::string("the root element is <") + name + ">, not <log>: not an XES log");
      }
      return;
    }
    if (depth == kTraceDepth && std::strcmp(name, "trace") == 0) {
      in_trace = true;
      skipping_trace = reader->traces_ < skip_traces;
      trace_attributes.clear();
      event_count = 0;
      if (skipping_trace) skip_from = depth;
      return;
    }
    if (depth == kEventDepth && in_trace && std::strcmp(name, "event") == 0) {
      in_event = true;
      if (event_count == events.size()) events.emplace_back();
      RawEvent& e = events[event_count++];
      e.line = XML_GetCurrentLineNumber(parser);
      e.attributes.clear();
      return;
    }
    skip_from = depth;  // this element's children are never read
    const bool trace_attribute = depth == kEventDepth && in_trace;
    const bool event_attribute = depth == kEventDepth + 1 && in_event;
    if (!trace_attribute && !event_attribute) return;
    const char* tag = value_tag(name);
    if (tag == nullptr) return;  // list, container or unknown: skipped
    const char* key = nullptr;
    const char* value = nullptr;
    for (const char** a = atts; *a != nullptr; a += 2) {
      if (std::strcmp(a[0], "key") == 0) key = a[1];
      if (std::strcmp(a[0], "value") == 0) value = a[1];
    }
    if (key == nullptr || value == nullptr) return;
    (event_attribute ? events[event_count - 1].attributes : trace_attributes).add(tag, key, value);
  }

  void end() {
    if (skip_from != 0) {
      if (depth == skip_from) {
        skip_from = 0;
        if (skipping_trace && depth == kTraceDepth) end_trace();
      }
      --depth;
      return;
    }
    if (depth == kEventDepth && in_event) {
      in_event = false;
    } else if (depth == kTraceDepth && in_trace) {
      end_trace();
    }
    --depth;
  }

  void end_trace() {
    in_trace = false;
    ++reader->traces_;
    if (!skipping_trace) {
      convert_trace(*out);
      reader->skipped_ += trace_skipped;
    }
    skipping_trace = false;
    // Below the file size until the log has ended: the size means "finished"
    // (gzoffset counts compressed bytes read ahead, which may be all of them).
    const uint64_t behind = direct ? static_cast<uint64_t>(XML_GetCurrentByteIndex(parser) +
                                                           XML_GetCurrentByteCount(parser))
                                   : static_cast<uint64_t>(gzoffset(file));
    reader->offset_ = std::min(behind, reader->size_ - 1);
    if (out->size() >= min_records) XML_StopParser(parser, XML_TRUE);
  }

  uint64_t trace_skipped = 0;

  // The milestones of the trace just read, appended to `records`.
  void convert_trace(std::vector<ingest::SourceRecord>& records) {
    trace_skipped = 0;
    std::string client_ref;
    for (const Attribute& a : trace_attributes) {
      if (a.key == "concept:name") client_ref = a.value;
    }
    // Open starts per (activity, instance), oldest first; values are start times.
    std::map<std::pair<std::string, std::string>, std::deque<std::string>> open_starts;
    for (size_t index = 0; index < event_count; ++index) {
      const RawEvent& raw = events[index];
      std::string activity, lifecycle, instance, time;
      for (const Attribute& a : raw.attributes) {
        if (a.key == "concept:name") activity = a.value;
        if (a.key == "lifecycle:transition") lifecycle = a.value;
        if (a.key == "concept:instance") instance = a.value;
        if (a.key == "time:timestamp") time = a.value;
      }
      const bool complete = lifecycle.empty() || equals_lower(lifecycle, "complete");
      std::string start_time;
      if (options.lifecycle == Lifecycle::kPair && equals_lower(lifecycle, "start")) {
        open_starts[{activity, instance}].push_back(time);
        continue;
      }
      if (!complete) {
        ++trace_skipped;
        continue;
      }
      if (options.lifecycle == Lifecycle::kPair) {
        auto found = open_starts.find({activity, instance});
        if (found != open_starts.end() && !found->second.empty()) {
          start_time = std::move(found->second.front());
          found->second.pop_front();
        }
      }
      records.push_back(event_record(client_ref, index, raw, start_time));
    }
    for (const auto& [key, starts] : open_starts) trace_skipped += starts.size();
  }

  ingest::SourceRecord event_record(const std::string& client_ref, uint64_t index,
                                    const RawEvent& raw, const std::string& start_time) {
    ingest::SourceRecord record;
    record.position = "line " + std::to_string(raw.line);
    size_t raw_size = 64 + client_ref.size();
    for (const Attribute& a : raw.attributes) raw_size += 24 + a.key.size() + a.value.size();
    record.raw.reserve(raw_size);
    record.raw = kRawPrefix;
    append_xml_escaped(record.raw, client_ref, /*whitespace=*/false);
    record.raw += "\"/><event>";
    v1::ClientEvent event;
    event.set_chain_id(options.chain_id);
    event.set_client_ref(client_ref);
    std::string group, resource, time, recorded, milestone;
    auto& attributes = *event.mutable_attributes();
    for (const Attribute& a : raw.attributes) {
      record.raw += '<';
      record.raw += a.tag;
      record.raw += " key=\"";
      append_xml_escaped(record.raw, a.key, /*whitespace=*/false);
      record.raw += "\" value=\"";
      append_xml_escaped(record.raw, a.value, /*whitespace=*/false);
      record.raw += "\"/>";
      if (a.key == "concept:name") {
        event.set_type(a.value);
      } else if (a.key == "time:timestamp") {
        time = a.value;
      } else if (a.key == options.partner_attribute) {
        group = a.value;
      } else if (a.key == options.resource_attribute) {
        resource = a.value;
      } else if (a.key == "identity:id") {
        event.set_event_id(a.value);
      } else if (a.key == "ketenflow:recordedAt") {
        recorded = a.value;
      } else if (a.key == "ketenflow:correctsEventId") {
        event.set_corrects_event_id(a.value);
      } else if (a.key == "ketenflow:milestone") {
        milestone = a.value;
      } else {
        attributes[a.key] = a.value;
      }
    }
    record.raw += "</event></trace>";
    for (const Attribute& a : trace_attributes) {
      if (a.key != "concept:name") attributes["case:" + a.key] = a.value;
    }
    event.set_partner_id(group.empty() ? resource : group);
    // An export with activity names keeps the milestone id beside it.
    if (!milestone.empty()) event.set_type(milestone);
    if (event.event_id().empty()) event.set_event_id(derived_event_id(client_ref, index));
    // A record without an event is kept as it is: show its client_ref shortened.
    const auto decode_error = [&](std::string reason) {
      record.decode_error = {"malformed_field", std::move(reason)};
      std::string ref, shown;
      append_xml_escaped(ref, client_ref, /*whitespace=*/false);
      append_xml_escaped(shown, ingest::redact(client_ref), /*whitespace=*/false);
      record.raw.replace(kRawPrefix.size(), ref.size(), shown);
      return std::move(record);
    };
    if (!time.empty()) {
      bool local = false;
      auto occurred = model::parse_instant(time, options.zone, &local);
      reader->local_times_ += local;
      if (!occurred) {
        return decode_error("time:timestamp: " + occurred.error());
      }
      *event.mutable_occurred_at() = model::from_ms(*occurred);
    }
    if (!recorded.empty()) {
      bool local = false;
      auto at = model::parse_instant(recorded, options.zone, &local);
      reader->local_times_ += local;
      if (!at) {
        return decode_error("ketenflow:recordedAt: " + at.error());
      }
      *event.mutable_recorded_at() = model::from_ms(*at);
    }
    if (!start_time.empty()) {
      bool local = false;
      auto started = model::parse_instant(start_time, options.zone, &local);
      reader->local_times_ += local;
      if (!started) {
        return decode_error("time:timestamp of the start event: " + started.error());
      }
      attributes["start_timestamp"] = model::format_instant(*started);
    }
    record.event = std::move(event);
    return record;
  }

  std::string where() const {
    return path + ":" + std::to_string(XML_GetCurrentLineNumber(parser)) + ":" +
           std::to_string(XML_GetCurrentColumnNumber(parser) + 1) + " (byte " +
           std::to_string(XML_GetCurrentByteIndex(parser)) + (direct ? "" : " uncompressed") + ")";
  }
};

Result<std::unique_ptr<XesReader>> XesReader::open(const std::string& path,
                                                   const XesOptions& options,
                                                   uint64_t traces_done) {
  std::unique_ptr<XesReader> reader(new XesReader());
  reader->state_ = std::make_unique<State>();
  State& s = *reader->state_;
  s.reader = reader.get();
  s.path = path;
  s.options = options;
  s.skip_traces = traces_done;
  std::error_code ec;
  reader->size_ = std::filesystem::file_size(path, ec);
  if (ec) return Error{path + ": " + ec.message()};
  s.file = gzopen(path.c_str(), "rb");
  if (s.file == nullptr) return Error{path + ": " + std::strerror(errno)};
  gzbuffer(s.file, kChunkBytes);
  s.direct = gzdirect(s.file) == 1;
  s.parser = XML_ParserCreate("UTF-8");
  if (s.parser == nullptr) return Error{"out of memory creating the XML parser"};
  XML_SetUserData(s.parser, &s);
  XML_SetElementHandler(s.parser, State::on_start, State::on_end);
  return reader;
}

XesReader::~XesReader() = default;

Status XesReader::feed() {
  State& s = *state_;
  while (!s.done) {
    XML_Status status;
    if (s.suspended) {
      s.suspended = false;
      status = XML_ResumeParser(s.parser);
    } else {
      // expat parses a token only once it is whole, and re-reads an unfinished
      // one from its start on every call: feeding 64 KiB at a time made a
      // 40 MB comment or attribute value cost 40 MB x 640 calls. Reading at
      // least twice the unfinished part makes the re-reads add up to less
      // than the token itself.
      const XML_Index consumed = XML_GetCurrentByteIndex(s.parser);
      const uint64_t pending =
          consumed < 0 ? 0 : s.fed - std::min<uint64_t>(s.fed, static_cast<uint64_t>(consumed));
      const int want =
          static_cast<int>(std::clamp<uint64_t>(2 * pending, kChunkBytes, uint64_t{1} << 30));
      void* buffer = XML_GetBuffer(s.parser, want);
      if (buffer == nullptr) return Error{"out of memory reading " + s.path};
      const int n = gzread(s.file, buffer, static_cast<unsigned>(want));
      if (n < 0) {
        int code = 0;
        const char* message = gzerror(s.file, &code);
        return Error{s.where() + ": broken gzip data: " + message};
      }
      if (n == 0) {
        int code = 0;
        const char* message = gzerror(s.file, &code);
        if (code != Z_OK) {
          return Error{s.where() + ": gzip data ends early (" + message +
                       "): the file is truncated"};
        }
      }
      s.final_fed = n == 0;
      s.fed += static_cast<uint64_t>(n);
      parsed_ += pending + static_cast<uint64_t>(n);
      status = XML_ParseBuffer(s.parser, n, s.final_fed ? XML_TRUE : XML_FALSE);
    }
    if (status == XML_STATUS_ERROR) {
      if (!s.error.empty()) return Error{s.where() + ": " + s.error};
      return Error{s.where() + ": broken XML: " + XML_ErrorString(XML_GetErrorCode(s.parser)) +
                   (XML_GetErrorCode(s.parser) == XML_ERROR_NO_ELEMENTS ||
                            XML_GetErrorCode(s.parser) == XML_ERROR_UNCLOSED_TOKEN
                        ? " (is the file truncated?)"
                        : "")};
    }
    if (status == XML_STATUS_SUSPENDED) {
      s.suspended = true;
      return ok_status();
    }
    if (s.final_fed) s.done = true;
  }
  return ok_status();
}

Result<bool> XesReader::next(std::vector<ingest::SourceRecord>& out, size_t min_records) {
  State& s = *state_;
  if (s.done) return false;
  const size_t before = out.size();
  s.out = &out;
  s.min_records = std::max<size_t>(1, min_records);
  if (auto status = feed(); !status) return Error{status.error()};
  if (s.done) offset_ = size_;
  return out.size() > before || !s.done;
}

}  // namespace ketenflow::xes
