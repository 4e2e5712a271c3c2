#include "connectors/xes/xes_writer.h"

#include <map>
#include <set>
#include <vector>

#include "connectors/xes/xml_escape.h"
#include "ketenflow/v1/store.pb.h"
#include "model/time.h"
#include "path/path.h"
#include "query/format.h"
#include "store/client_events.h"
#include "store/keys.h"

namespace ketenflow::xes {
namespace {

constexpr std::string_view kCasePrefix = "case:";

void attribute(std::string& out, const char* indent, const char* tag, const std::string& key,
               const std::string& value) {
  out += indent;
  out += '<';
  out += tag;
  out += " key=\"";
  append_xml_escaped(out, key, /*whitespace=*/true);
  out += "\" value=\"";
  append_xml_escaped(out, value, /*whitespace=*/true);
  out += "\"/>\n";
}

std::string xes_header(const model::ChainModel& chain, ActivityLabel label) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<log xes.version=\"1849-2016\" xes.features=\"\" xmlns=\"http://www.xes-standard.org/\">\n"
      "  <extension name=\"Concept\" prefix=\"concept\" "
      "uri=\"http://www.xes-standard.org/concept.xesext\"/>\n"
      "  <extension name=\"Time\" prefix=\"time\" "
      "uri=\"http://www.xes-standard.org/time.xesext\"/>\n"
      "  <extension name=\"Organizational\" prefix=\"org\" "
      "uri=\"http://www.xes-standard.org/org.xesext\"/>\n"
      "  <extension name=\"Lifecycle\" prefix=\"lifecycle\" "
      "uri=\"http://www.xes-standard.org/lifecycle.xesext\"/>\n"
      "  <extension name=\"Identity\" prefix=\"identity\" "
      "uri=\"http://www.xes-standard.org/identity.xesext\"/>\n"
      "  <extension name=\"ketenflow\" prefix=\"ketenflow\" uri=\"" +
      std::string(kKetenflowExtensionUri) +
      "\"/>\n"
      "  <global scope=\"trace\">\n"
      "    <string key=\"concept:name\" value=\"__INVALID__\"/>\n"
      "  </global>\n"
      "  <global scope=\"event\">\n"
      "    <string key=\"concept:name\" value=\"__INVALID__\"/>\n"
      "    <date key=\"time:timestamp\" value=\"1970-01-01T00:00:00.000+00:00\"/>\n"
      "    <string key=\"org:group\" value=\"__INVALID__\"/>\n"
      "    <string key=\"org:resource\" value=\"__INVALID__\"/>\n" +
      std::string(label == ActivityLabel::kName
                      ? "    <string key=\"ketenflow:milestone\" value=\"__INVALID__\"/>\n"
                      : "") +
      "  </global>\n"
      "  <classifier name=\"Activity\" keys=\"concept:name\"/>\n"
      "  <classifier name=\"Activity and lifecycle\" keys=\"concept:name lifecycle:transition\"/>\n"
      "  <classifier name=\"Partner\" keys=\"org:group\"/>\n"
      "  <classifier name=\"Resource\" keys=\"org:resource\"/>\n";
  attribute(out, "  ", "string", "concept:name", chain.def.id());
  return out;
}

// Attributes "case:KEY" with one value on every event of the trace.
std::map<std::string, std::string> trace_attributes(const std::vector<v1::ClientEvent>& events) {
  std::map<std::string, std::string> common;
  for (const auto& [key, value] : events.front().attributes()) {
    // Not "case:concept:name": the trace's own name is the client_ref.
    if (key.starts_with(kCasePrefix) && key.size() > kCasePrefix.size() &&
        key != "case:concept:name") {
      common[key] = value;
    }
  }
  for (size_t i = 1; i < events.size() && !common.empty(); ++i) {
    for (auto it = common.begin(); it != common.end();) {
      auto found = events[i].attributes().find(it->first);
      it = found == events[i].attributes().end() || found->second != it->second ? common.erase(it)
                                                                                : std::next(it);
    }
  }
  return common;
}

void append_xes_trace(std::string& out, const model::ChainModel& chain, ActivityLabel label,
                      const std::string& client_ref, const std::vector<v1::ClientEvent>& events) {
  const auto common = trace_attributes(events);
  out += "  <trace>\n";
  attribute(out, "    ", "string", "concept:name", client_ref);
  for (const auto& [key, value] : common) {
    attribute(out, "    ", "string", key.substr(kCasePrefix.size()), value);
  }
  for (const v1::ClientEvent& e : events) {
    out += "    <event>\n";
    const int milestone = chain.milestone(e.type());
    if (label == ActivityLabel::kName && milestone >= 0) {
      attribute(out, "      ", "string", "concept:name", chain.def.milestones(milestone).name());
      attribute(out, "      ", "string", "ketenflow:milestone", e.type());
    } else {
      attribute(out, "      ", "string", "concept:name", e.type());
    }
    attribute(out, "      ", "date", "time:timestamp", xes_time(model::to_ms(e.occurred_at())));
    // The partner both as group and as resource: PM4Py's organisational
    // mining (handover of work, working together) reads org:resource.
    attribute(out, "      ", "string", "org:group", e.partner_id());
    attribute(out, "      ", "string", "org:resource", e.partner_id());
    attribute(out, "      ", "id", "identity:id", e.event_id());
    if (e.has_recorded_at()) {
      attribute(out, "      ", "date", "ketenflow:recordedAt",
                xes_time(model::to_ms(e.recorded_at())));
    }
    if (!e.corrects_event_id().empty()) {
      attribute(out, "      ", "string", "ketenflow:correctsEventId", e.corrects_event_id());
    }
    const std::map<std::string, std::string> sorted(e.attributes().begin(), e.attributes().end());
    for (const auto& [key, value] : sorted) {
      if (common.count(key)) continue;
      attribute(out, "      ", "string", key, value);
    }
    out += "    </event>\n";
  }
  out += "  </trace>\n";
}

void append_csv_rows(std::string& out, const std::string& client_ref,
                     const std::vector<v1::ClientEvent>& events,
                     const std::vector<std::string>& keys) {
  for (const v1::ClientEvent& e : events) {
    out += query::csv_field(client_ref);
    out += ',';
    out += query::csv_field(e.type());
    out += ',';
    out += xes_time(model::to_ms(e.occurred_at()));
    out += ',';
    out += query::csv_field(e.partner_id());
    out += ',';
    out += query::csv_field(e.event_id());
    out += ',';
    if (e.has_recorded_at()) out += xes_time(model::to_ms(e.recorded_at()));
    for (const std::string& key : keys) {
      out += ',';
      auto found = e.attributes().find(key);
      if (found != e.attributes().end()) out += query::csv_field(found->second);
    }
    out += '\n';
  }
}

// Calls `client(client_ref, effective events in path order)` for every
// client of the chain with an effective event in the window.
template <typename F>
Status for_each_client(const store::Store& store, const model::ChainModel& chain,
                       const ExportOptions& options, ExportCounts& counts, F client) {
  std::vector<v1::PathInput> inputs;
  return store::for_each_client(
      store, {store::client_prefix(chain.def.id(), ""), /*bulk=*/true},
      [&](const std::string&, const std::string& client_ref,
          std::vector<store::StoredClientEvent>& events) -> Status {
        inputs.clear();
        for (const auto& e : events) inputs.push_back(path::path_input(e.event, e.seq));
        const path::Path path = path::build_path(chain, inputs);
        std::vector<v1::ClientEvent> effective;
        effective.reserve(path.order.size());
        for (size_t i : path.order) {
          const int64_t ms = model::to_ms(events[i].event.occurred_at());
          if (options.from || options.to) {
            const int32_t day = model::local_day(ms, chain.zone);
            if ((options.from && day < *options.from) || (options.to && day >= *options.to)) {
              continue;
            }
          }
          effective.push_back(std::move(events[i].event));
        }
        counts.left_out += events.size() - path.order.size();
        if (!effective.empty()) {
          ++counts.traces;
          counts.events += effective.size();
          client(client_ref, effective);
        }
        return ok_status();
      });
}

}  // namespace

Result<ExportFormat> parse_export_format(const std::string& text) {
  if (text == "xes") return ExportFormat::kXes;
  if (text == "csv") return ExportFormat::kCsv;
  return Error{"unknown export format \"" + text + "\" (use xes or csv)"};
}

Result<ActivityLabel> parse_activity_label(const std::string& text) {
  if (text == "id") return ActivityLabel::kId;
  if (text == "name") return ActivityLabel::kName;
  return Error{"unknown activity label \"" + text + "\" (use id or name)"};
}

std::string xes_time(int64_t ms) {
  std::string text = model::format_instant(ms);  // ...:SS[.mmm]Z
  text.pop_back();
  if (text.find('.') == std::string::npos) text += ".000";
  return text + "+00:00";
}

Result<ExportCounts> export_chain(const store::Store& store, const model::ChainModel& chain,
                                  const ExportOptions& options, std::ostream& out) {
  ExportCounts counts;
  std::string text;
  const auto flush = [&]() {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    text.clear();
  };
  if (options.format == ExportFormat::kXes) {
    text = xes_header(chain, options.activity_label);
    auto status = for_each_client(
        store, chain, options, counts, [&](const std::string& ref, const auto& events) {
          append_xes_trace(text, chain, options.activity_label, ref, events);
          if (text.size() > (1 << 20)) flush();
        });
    if (!status) return Error{status.error()};
    text += "</log>\n";
  } else {
    // Attribute columns: every key of an exported event, found in a first pass.
    std::set<std::string> keys;
    ExportCounts first;
    auto status =
        for_each_client(store, chain, options, first, [&](const std::string&, const auto& events) {
          for (const v1::ClientEvent& e : events) {
            for (const auto& [key, value] : e.attributes()) {
              keys.insert(key);
            }
          }
        });
    if (!status) return Error{status.error()};
    const std::vector<std::string> columns(keys.begin(), keys.end());
    text = "case_id,activity,timestamp,resource,event_id,recorded_at";
    for (const std::string& key : columns) text += "," + query::csv_field(key);
    text += '\n';
    status = for_each_client(store, chain, options, counts,
                             [&](const std::string& ref, const auto& events) {
                               append_csv_rows(text, ref, events, columns);
                               if (text.size() > (1 << 20)) flush();
                             });
    if (!status) return Error{status.error()};
  }
  flush();
  if (!out) return Error{"writing the export failed"};
  return counts;
}

}  // namespace ketenflow::xes
