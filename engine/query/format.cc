#include "query/format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <google/protobuf/util/json_util.h>

#include "model/time.h"

namespace ketenflow::query {
namespace {

std::string number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

// 45s, 12m, 5.3h, 3.2d: readable at every scale.
std::string human(double seconds, uint32_t count) {
  if (count == 0) return "-";
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%.0fm", seconds / 60);
  } else if (seconds < 2 * 86400) {
    std::snprintf(buf, sizeof buf, "%.1fh", seconds / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fd", seconds / 86400);
  }
  return buf;
}

// Display width in UTF-8 code points, not bytes, so Dutch names line up.
size_t text_width(const std::string& s) {
  size_t len = 0;
  for (unsigned char c : s) len += (c & 0xc0) != 0x80;
  return len;
}

std::string pad(const std::string& s, size_t width, bool right) {
  const size_t len = text_width(s);
  if (len >= width) return s;
  return right ? std::string(width - len, ' ') + s : s + std::string(width - len, ' ');
}

// A duration measure without a norm has statistics but no share.
bool has_share(const v1::MeasureResult& m) { return m.kind() != "duration" || m.norm_days() > 0; }

std::string percent(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
  return buf;
}

// "90d", "10 wd" (working days), "-" without a norm.
std::string norm_text(const v1::MeasureResult& m) {
  if (m.norm_days() <= 0) return "-";
  return number(m.norm_days()) + (m.working_days() ? " wd" : "d");
}

// A measure's name (id with --ids), and the partner of a contribution measure.
std::string measure_label(const v1::MeasureResult& m, const TableLabels& labels) {
  std::string label = labels.ids || m.name().empty() ? m.measure() : m.name();
  if (!m.partner().empty()) label += " [" + labels.partner(m.partner()) + "]";
  return label;
}

void measure_block(std::string& out,
                   const google::protobuf::RepeatedPtrField<v1::MeasureResult>& ms,
                   const std::string& view, const TableLabels& labels) {
  out += "\nMeasures (" + (view.empty() ? std::string("completion") : view) + " view)\n";
  const auto label_of = [&labels](const v1::MeasureResult& m) {
    return std::string(m.partner().empty() ? "" : "  ") + measure_label(m, labels);
  };
  size_t width = 28;
  for (const auto& m : ms) width = std::max(width, text_width(label_of(m)) + 2);
  out += pad("Measure", width, false) + pad("Clients", 9, true) + pad("Met", 8, true) +
         pad("Share", 8, true) + pad("Target", 8, true) + pad("Norm", 8, true) +
         pad("Median", 9, true) + pad("Open", 7, true) + pad("Overdue", 9, true) + "  Note\n";
  for (const auto& m : ms) {
    const std::string label = label_of(m);
    std::string note;
    if (m.provisional()) note = "provisional, " + std::to_string(m.pending()) + " pending";
    const auto& d = m.duration();
    out += pad(label, width, false) + pad(std::to_string(m.clients()), 9, true) +
           pad(std::to_string(m.met()), 8, true) +
           pad(m.clients() > 0 && has_share(m) ? percent(m.share()) : "-", 8, true) +
           pad(m.has_target() ? percent(m.target()) : "-", 8, true) + pad(norm_text(m), 8, true) +
           pad(m.kind() == "duration" ? human(d.p50_seconds(), d.count()) : "-", 9, true) +
           pad(std::to_string(m.open()), 7, true) + pad(std::to_string(m.overdue()), 9, true) +
           (note.empty() ? "" : "  " + note) + "\n";
  }
}

void table_block(std::string& out, const v1::KpiReport& r, const TableLabels& labels) {
  out += pad("Stage", 28, false) + pad("Entries", 9, true) + pad("Exits", 9, true) +
         pad("Re-entries", 12, true) + pad("WIP", 8, true) + pad("Median", 10, true) +
         pad("P90", 10, true) + "\n";
  for (const auto& s : r.stages()) {
    const auto& d = s.duration();
    out += pad(labels.ids || s.name().empty() ? s.stage() : s.name(), 28, false) +
           pad(std::to_string(s.entries()), 9, true) + pad(std::to_string(s.exits()), 9, true) +
           pad(std::to_string(s.reentries()), 12, true) + pad(std::to_string(s.wip()), 8, true) +
           pad(human(d.p50_seconds(), d.count()), 10, true) +
           pad(human(d.p90_seconds(), d.count()), 10, true) + "\n";
  }
  size_t width = 48;
  for (const auto& t : r.transitions()) {
    width = std::max(width, text_width(labels.stage(t.from()) + " -> " + labels.stage(t.to())) + 2);
  }
  for (const auto& h : r.partner_handovers()) {
    width = std::max(
        width,
        text_width(labels.partner(h.from_partner()) + " -> " + labels.partner(h.to_partner())) + 2);
  }
  out += "\n" + pad("Transition", width, false) + pad("Count", 8, true) + pad("Median", 10, true) +
         pad("P90", 10, true) + pad("Norm", 8, true) + pad("Within", 9, true) + "\n";
  for (const auto& t : r.transitions()) {
    const auto& d = t.delay();
    std::string norm = "-", within = "-";
    if (t.has_norm()) {
      norm = human(t.norm().days() * 86400, 1);
      if (t.count() > 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.0f%%", t.norm().share() * 100);
        within = buf;
      }
    }
    out += pad(labels.stage(t.from()) + " -> " + labels.stage(t.to()), width, false) +
           pad(std::to_string(t.count()), 8, true) +
           pad(human(d.p50_seconds(), d.count()), 10, true) +
           pad(human(d.p90_seconds(), d.count()), 10, true) + pad(norm, 8, true) +
           pad(within, 9, true) + "\n";
  }
  if (r.partner_handovers_size() > 0) {
    out += "\n" + pad("Partner handover", width, false) + pad("Count", 8, true) +
           pad("Median", 10, true) + pad("P90", 10, true) + "\n";
    for (const auto& h : r.partner_handovers()) {
      const auto& d = h.delay();
      out += pad(labels.partner(h.from_partner()) + " -> " + labels.partner(h.to_partner()), width,
                 false) +
             pad(std::to_string(h.count()), 8, true) +
             pad(human(d.p50_seconds(), d.count()), 10, true) +
             pad(human(d.p90_seconds(), d.count()), 10, true) + "\n";
    }
  }
  const auto line = [&](const char* label, const v1::DurationStats& d) {
    out += std::string(label) + ": " + std::to_string(d.count()) + " clients, median " +
           human(d.p50_seconds(), d.count()) + ", p90 " + human(d.p90_seconds(), d.count()) +
           ", mean " + human(d.mean_seconds(), d.count()) + "\n";
  };
  out += "\n";
  line("Case duration", r.case_duration());
  line("Lead time    ", r.lead_time());
  if (r.measures_size() > 0) measure_block(out, r.measures(), r.view(), labels);
}

}  // namespace

std::string to_json(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.add_whitespace = pretty;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!pretty) out += '\n';
  return out;
}

std::string TableLabels::stage(const std::string& id) const {
  if (ids || chain == nullptr) return id;
  const int s = chain->stage(id);
  return s < 0 || chain->def.stages(s).name().empty() ? id : chain->def.stages(s).name();
}

std::string TableLabels::milestone(const std::string& id) const {
  if (ids || chain == nullptr) return id;
  const int m = chain->milestone(id);
  return m < 0 || chain->def.milestones(m).name().empty() ? id : chain->def.milestones(m).name();
}

std::string TableLabels::partner(const std::string& id) const {
  if (ids || chain == nullptr) return id;
  const int p = chain->partner(id);
  return p < 0 || chain->def.partners(p).name().empty() ? id : chain->def.partners(p).name();
}

std::string kpi_table(const v1::KpiReport& report, const TableLabels& labels) {
  std::string out = "Chain " + report.chain_id();
  if (!report.from().empty() || !report.to().empty()) {
    out += "  [" + (report.from().empty() ? std::string("start") : report.from()) + ", " +
           (report.to().empty() ? std::string("now") : report.to()) + ")";
  }
  if (!report.as_of().empty()) out += "  as of " + report.as_of();
  out += "\n\n";
  table_block(out, report, labels);
  for (const auto& period : report.periods()) {
    out += "\n== " + period.period() + " ==\n";
    table_block(out, period, labels);
  }
  return out;
}

std::string goal_table(const v1::GoalTree& tree, const TableLabels& labels) {
  std::string out = "Goals of chain " + tree.chain_id() + "  [" + tree.from() + ", " + tree.to() +
                    ") vs [" + tree.previous_from() + ", " + tree.previous_to() + "), " +
                    tree.view() + " view\n";
  const auto value = [](const v1::MeasureResult& m) -> std::string {
    if (m.clients() == 0) return "-";
    if (m.kind() == "duration" && m.norm_days() <= 0) {
      return human(m.duration().mean_seconds(), m.duration().count()) + " mean";
    }
    return percent(m.share());
  };
  const auto label_of = [&labels](const v1::MeasureResult& m, const std::string& indent) {
    return indent + measure_label(m, labels);
  };
  size_t width = 28;
  for (const auto& goal : tree.goals()) {
    for (const auto& m : goal.measures()) {
      width = std::max(width, text_width(label_of(m.current(), "  ")) + 2);
      for (const auto& c : m.contributions()) {
        width = std::max(width, text_width(label_of(c.current(), "    ")) + 2);
      }
    }
  }
  const auto row = [&](const v1::MeasureNode& n, const std::string& indent) {
    const v1::MeasureResult& m = n.current();
    const std::string label = label_of(m, indent);
    std::string trend = "-";
    if (m.clients() > 0 && n.previous().clients() > 0) {
      char buf[32];
      if (m.kind() == "duration" && m.norm_days() <= 0) {
        std::snprintf(buf, sizeof buf, "%+.1fd", n.trend());
      } else {
        std::snprintf(buf, sizeof buf, "%+.1f pt", n.trend() * 100);
      }
      trend = buf;
    }
    std::string note;
    if (m.provisional()) note = "  provisional, " + std::to_string(m.pending()) + " pending";
    if (m.overdue() > 0) note += "  " + std::to_string(m.overdue()) + " overdue";
    out += pad(label, width, false) + pad(value(m), 12, true) +
           pad(std::to_string(m.clients()), 9, true) + pad(norm_text(m), 8, true) +
           pad(m.has_target() ? percent(m.target()) : "-", 8, true) + pad(trend, 10, true) + note +
           "\n";
  };
  for (const auto& goal : tree.goals()) {
    out += "\n" + (goal.name().empty() ? goal.id() : goal.name()) + "\n";
    out += pad("  Measure", width, false) + pad("Value", 12, true) + pad("Clients", 9, true) +
           pad("Norm", 8, true) + pad("Target", 8, true) + pad("Trend", 10, true) + "\n";
    for (const auto& m : goal.measures()) {
      row(m, "  ");
      for (const auto& c : m.contributions()) row(c, "    ");
    }
  }
  return out;
}

std::string path_table(const v1::ClientPath& path, const TableLabels& labels) {
  std::string out = "Client " + path.client_ref() + " in chain " + path.chain_id() +
                    (path.completed() ? " (completed)" : " (open)") + "\n\n";
  out +=
      pad("Stage", 28, false) + pad("Entered", 26, false) + pad("Left", 26, false) + "Partners\n";
  for (const auto& v : path.visits()) {
    std::string partners;
    for (const auto& p : v.partners()) {
      partners += (partners.empty() ? "" : ", ") + labels.partner(p);
    }
    out += pad(labels.stage(v.stage()) + (v.reentry() ? " (re-entry)" : ""), 28, false) +
           pad(model::format_instant(model::to_ms(v.entered_at())), 26, false) +
           pad(v.has_left_at() ? model::format_instant(model::to_ms(v.left_at())) : "open", 26,
               false) +
           partners + "\n";
  }
  size_t milestone_width = 26, partner_width = 22;
  for (const auto& e : path.events()) {
    milestone_width = std::max(milestone_width, text_width(labels.milestone(e.event().type())) + 2);
    partner_width = std::max(partner_width, text_width(labels.partner(e.event().partner_id())) + 2);
  }
  out += "\n" + pad("Occurred", 26, false) + pad("Milestone", milestone_width, false) +
         pad("Partner", partner_width, false) + pad("Status", 11, false) + "Event id\n";
  for (const auto& e : path.events()) {
    const char* status = e.status() == v1::EVENT_STATUS_EFFECTIVE   ? "effective"
                         : e.status() == v1::EVENT_STATUS_CORRECTED ? "corrected"
                         : e.status() == v1::EVENT_STATUS_WITHDRAWN ? "withdrawn"
                                                                    : "unknown";
    out += pad(model::format_instant(model::to_ms(e.event().occurred_at())), 26, false) +
           pad(labels.milestone(e.event().type()), milestone_width, false) +
           pad(labels.partner(e.event().partner_id()), partner_width, false) +
           pad(status, 11, false) + e.event().event_id() + "\n";
  }
  return out;
}

}  // namespace ketenflow::query
