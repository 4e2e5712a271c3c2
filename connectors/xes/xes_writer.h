// Export of a chain's accepted, effective events for process-mining tools
// (PM4Py, ProM, Disco, Celonis): one trace per client, events in path order.
//
//   xes  IEEE 1849-2016 with the concept, time, org, lifecycle and identity
//        extensions and classifiers declared; trace concept:name = client_ref;
//        event concept:name = milestone id (ActivityLabel::kName: its name,
//        with the id in ketenflow:milestone), time:timestamp = occurred_at,
//        org:group and org:resource = partner, identity:id = event_id,
//        ketenflow:recordedAt = recorded_at; attributes "case:KEY" equal on
//        all events of a trace become trace attribute KEY, the rest are
//        string attributes. The ketenflow: attributes are declared as an
//        extension (docs/ketenflow.xesext).
//   csv  header case_id,activity,timestamp,resource,event_id,recorded_at and
//        one column per attribute key (sorted), one row per event.
//
// Importing the file into a fresh store (`ingest --format xes`, or the CSV
// with its column options) gives the same events, hence the same KPIs.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::xes {

enum class ExportFormat { kXes, kCsv };
Result<ExportFormat> parse_export_format(const std::string& text);

// What an XES event's concept:name holds: the milestone id or its name.
enum class ActivityLabel { kId, kName };
Result<ActivityLabel> parse_activity_label(const std::string& text);

// The URI the ketenflow: XES extension is declared with; its definition is
// docs/ketenflow.xesext.
inline constexpr std::string_view kKetenflowExtensionUri = "urn:ketenflow:xes:ketenflow:1";

struct ExportOptions {
  ExportFormat format = ExportFormat::kXes;
  ActivityLabel activity_label = ActivityLabel::kId;
  // Local days [from, to) in the chain's time zone of the events' occurred_at;
  // unbounded when absent. Events outside are left out of their trace.
  std::optional<int32_t> from;
  std::optional<int32_t> to;
};

struct ExportCounts {
  uint64_t traces = 0;
  uint64_t events = 0;
  // Corrected or withdrawn events left out.
  uint64_t left_out = 0;
};

// Writes the chain's effective events from `store` to `out`, one client at a
// time (memory holds one client's events).
Result<ExportCounts> export_chain(const store::Store& store, const model::ChainModel& chain,
                                  const ExportOptions& options, std::ostream& out);

// "2024-03-01T11:00:00.123+00:00": an xs:dateTime every tool reads.
std::string xes_time(int64_t ms);

}  // namespace ketenflow::xes
