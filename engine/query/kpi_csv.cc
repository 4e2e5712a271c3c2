#include "query/kpi_csv.h"

#include <array>

#include "query/format.h"

namespace ketenflow::query {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array kColumns = {"kind",         "period",
                                 "period_start", "period_end",
                                 "stage",        "stage_name",
                                 "from_stage",   "from_stage_name",
                                 "to_stage",     "to_stage_name",
                                 "from_partner", "from_partner_name",
                                 "to_partner",   "to_partner_name",
                                 "measure",      "measure_name",
                                 "measure_kind", "partner",
                                 "partner_name", "view",
                                 "entries",      "exits",
                                 "reentries",    "wip",
                                 "count",        "mean_days",
                                 "min_days",     "max_days",
                                 "p50_days",     "p80_days",
                                 "p90_days",     "p95_days",
                                 "norm_days",    "working_days",
                                 "within_norm",  "within_norm_share",
                                 "clients",      "met",
                                 "share",        "open",
                                 "overdue",      "pending",
                                 "provisional",  "target"};

// A value of `from` as it is: a number, a disclosure string, or absent (null).
Json get(const Json& from, const char* key) {
  auto it = from.find(key);
  return it == from.end() ? Json() : *it;
}

Json days(const Json& seconds) {
  return seconds.is_number() ? Json(seconds.get<double>() / 86400) : seconds;
}

void duration(Json& row, const Json& stats) {
  if (!stats.is_object()) return;
  row["count"] = get(stats, "count");
  for (const auto& [column, key] :
       {std::pair{"mean_days", "meanSeconds"}, std::pair{"min_days", "minSeconds"},
        std::pair{"max_days", "maxSeconds"}, std::pair{"p50_days", "p50Seconds"},
        std::pair{"p80_days", "p80Seconds"}, std::pair{"p90_days", "p90Seconds"},
        std::pair{"p95_days", "p95Seconds"}}) {
    row[column] = days(get(stats, key));
  }
}

// Sets `column` to the id `id` and `column`_name to its name in the chain.
struct Names {
  const model::ChainModel* chain;

  void stage(Json& row, const std::string& column, const Json& id) const {
    set(row, column, id, &TableLabels::stage);
  }
  void partner(Json& row, const std::string& column, const Json& id) const {
    set(row, column, id, &TableLabels::partner);
  }

 private:
  void set(Json& row, const std::string& column, const Json& id,
           std::string (TableLabels::*name)(const std::string&) const) const {
    row[column] = id;
    row[column + "_name"] = id.is_string() ? (TableLabels{chain}.*name)(id.get<std::string>()) : "";
  }
};

void rows_of(JsonRows& rows, const Json& report, const std::string& period, const Names& names) {
  const auto row = [&](const char* kind) {
    Json r;
    for (const char* column : kColumns) r[column] = nullptr;
    r["kind"] = kind;
    r["period"] = period;
    r["period_start"] = get(report, "from");
    r["period_end"] = get(report, "to");
    return r;
  };
  const auto each = [&](const char* key, auto&& fill) {
    auto it = report.find(key);
    if (it == report.end() || !it->is_array()) return;
    for (const Json& item : *it) fill(item);
  };
  each("stages", [&](const Json& s) {
    Json r = row("stage");
    names.stage(r, "stage", get(s, "stage"));
    for (const char* key : {"entries", "exits", "reentries", "wip"}) r[key] = get(s, key);
    duration(r, get(s, "duration"));
    rows.push_back(std::move(r));
  });
  each("transitions", [&](const Json& t) {
    Json r = row("transition");
    names.stage(r, "from_stage", get(t, "from"));
    names.stage(r, "to_stage", get(t, "to"));
    duration(r, get(t, "delay"));
    r["count"] = get(t, "count");
    const Json norm = get(t, "norm");
    if (norm.is_object()) {
      r["norm_days"] = get(norm, "days");
      r["within_norm"] = get(norm, "within");
      r["within_norm_share"] = get(norm, "share");
    }
    rows.push_back(std::move(r));
  });
  each("partnerHandovers", [&](const Json& h) {
    Json r = row("handover");
    names.partner(r, "from_partner", get(h, "fromPartner"));
    names.partner(r, "to_partner", get(h, "toPartner"));
    duration(r, get(h, "delay"));
    r["count"] = get(h, "count");
    rows.push_back(std::move(r));
  });
  each("measures", [&](const Json& m) {
    Json r = row("measure");
    r["measure"] = get(m, "measure");
    r["measure_name"] = get(m, "name");
    r["measure_kind"] = get(m, "kind");
    const Json partner = get(m, "partner");
    if (partner.is_string() && !partner.get<std::string>().empty()) {
      names.partner(r, "partner", partner);
    }
    r["view"] = get(report, "view");
    if (r["measure_kind"] == "duration") duration(r, get(m, "duration"));
    r["norm_days"] = get(m, "normDays");
    r["working_days"] = get(m, "workingDays");
    for (const char* key :
         {"clients", "met", "share", "open", "overdue", "pending", "provisional", "target"}) {
      r[key] = get(m, key);
    }
    rows.push_back(std::move(r));
  });
  for (const auto& [kind, key] :
       {std::pair{"case_duration", "caseDuration"}, std::pair{"lead_time", "leadTime"}}) {
    const Json stats = get(report, key);
    if (!stats.is_object()) continue;
    Json r = row(kind);
    duration(r, stats);
    rows.push_back(std::move(r));
  }
}

}  // namespace

JsonRows kpi_rows(const Json& report, const model::ChainModel* chain) {
  JsonRows rows;
  const Names names{chain};
  rows_of(rows, report, "total", names);
  auto periods = report.find("periods");
  if (periods != report.end() && periods->is_array()) {
    for (const Json& period : *periods) {
      rows_of(rows, period, period.value("period", ""), names);
    }
  }
  return rows;
}

std::string kpi_csv(const v1::KpiReport& report, const model::ChainModel* chain) {
  return csv_table(kpi_rows(Json::parse(to_json(report, false)), chain));
}

}  // namespace ketenflow::query
