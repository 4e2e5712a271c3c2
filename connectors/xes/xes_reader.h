// XES reader (IEEE 1849-2016): a `.xes` or `.xes.gz` event log streamed into
// ClientEvents, one trace at a time (expat's push parser over zlib's gzread,
// which also reads uncompressed files), so memory holds at most one trace and
// one batch whatever the size of the file.
//
//   trace concept:name             -> client_ref
//   event concept:name             -> type (milestone)
//   event time:timestamp           -> occurred_at (no offset: local in `zone`)
//   event org:group, else org:resource -> partner_id (the attributes are
//                                     XesOptions::partner_attribute and
//                                     resource_attribute)
//   event identity:id              -> event_id (else "xes-" + 128-bit hash of
//                                     trace name and event index in the trace)
//   event ketenflow:recordedAt     -> recorded_at      (all three written by
//   event ketenflow:correctsEventId -> corrects_event_id  the exporter)
//   event ketenflow:milestone      -> type, over concept:name
//   other trace attributes         -> event attributes "case:KEY"
//   other event attributes         -> event attributes (string, date, int,
//                                     float, boolean, id; lists and containers
//                                     are skipped)
//
// Lifecycle: by default only events whose lifecycle:transition is `complete`
// (or absent) become milestones; with Lifecycle::kPair a `start` is paired
// with the next `complete` of the same activity instance (concept:instance
// when both carry it, else first-in-first-out per activity in the trace): the
// milestone occurs at the completion and carries the start time as attribute
// `start_timestamp`. Every other event is skipped and counted.
//
// Positions are trace boundaries: `traces()` complete traces have been
// returned; a reader opened with `traces_done` re-reads the log from its start
// and skips that many traces. Broken XML or gzip data is an error naming the
// line, column and byte where it broke; the traces before it were returned.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ingest/input_format.h"
#include "ingest/pipeline.h"
#include "model/result.h"

namespace date {
class time_zone;
}

namespace ketenflow::xes {

using ingest::Lifecycle;
using ingest::parse_lifecycle;

struct XesOptions {
  std::string chain_id;
  // For timestamps without an offset.
  const date::time_zone* zone = nullptr;
  Lifecycle lifecycle = Lifecycle::kComplete;
  // The partner: this event attribute, else the resource one where it is
  // empty or absent.
  std::string partner_attribute = "org:group";
  std::string resource_attribute = "org:resource";
};

// The event id of the `index`-th event (0-based, all events counted) of trace
// `trace` when the event has no identity:id.
std::string derived_event_id(const std::string& trace, uint64_t index);

class XesReader {
 public:
  static Result<std::unique_ptr<XesReader>> open(const std::string& path, const XesOptions& options,
                                                 uint64_t traces_done);
  ~XesReader();
  XesReader(const XesReader&) = delete;
  XesReader& operator=(const XesReader&) = delete;

  // Appends the records of whole traces to `out` until it holds at least
  // `min_records` records or the log ends. False when the log had ended and
  // nothing was appended.
  Result<bool> next(std::vector<ingest::SourceRecord>& out, size_t min_records);

  // Complete traces read so far (skipped ones included).
  uint64_t traces() const { return traces_; }
  // Bytes of the file behind the last complete trace (compressed bytes read
  // for .gz); the file size once the log has ended.
  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  // Events that became no milestone (lifecycle other than complete, unpaired
  // starts), in the traces returned by this reader.
  uint64_t skipped_events() const { return skipped_; }
  // Times without a UTC offset, read as local time in XesOptions::zone.
  uint64_t local_times() const { return local_times_; }
  // Bytes expat has scanned so far, counting the re-scans of a token that
  // spans several reads (its work; stays within a small multiple of the
  // bytes read, however long one token is).
  uint64_t parsed_bytes() const { return parsed_; }

  struct State;

 private:
  XesReader() = default;
  Status feed();

  std::unique_ptr<State> state_;
  uint64_t traces_ = 0;
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
  uint64_t skipped_ = 0;
  uint64_t local_times_ = 0;
  uint64_t parsed_ = 0;
};

}  // namespace ketenflow::xes
