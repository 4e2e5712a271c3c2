// The parameters of a report (kpis, flow, goals) as text, parsed in one place
// for `ketenflow kpi|goals` and the HTTP API, with the limits that keep a
// report's work bounded (kpi_query.h kMaxPeriods) and the calendar rule that
// `serve --analyst-periods calendar` sets for analysts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/chain.h"
#include "query/aggregate_source.h"
#include "query/kpi_query.h"

namespace ketenflow::query {

// Each empty when not given. Names as in the HTTP API; the command line
// spells them --from, --to, --by, --view, --as-of, --today.
struct ReportText {
  std::string from;
  std::string to;
  std::string by;
  std::string view;
  std::string as_of;
  std::string today;
};

// What is wrong, and with which parameter ("from", "to", "by", ...).
struct ParamError {
  std::string parameter;
  std::string message;
};

// Fills `out`: from and to are local days (to exclusive, after from); by a
// period; view completion | cohort; as_of an RFC 3339 instant. Today is
// `today`, else the local day of as_of, else `clock_today`.
std::optional<ParamError> parse_report_text(const ReportText& text, const model::ChainModel& chain,
                                            int32_t clock_today, KpiQuery& out);

// Refuses a report of more than kMaxPeriods periods once its bounds are
// clamped to the chain's data days (from `source`: two seeks), naming `by`.
std::optional<ParamError> check_report_size(const AggregateSource& source, const KpiQuery& query);

// Whole calendar periods: from and to, when given, are the first day of a
// month (so of a quarter or year too), and as_of is not given.
std::optional<ParamError> check_calendar_periods(const KpiQuery& query);

// The command-line spelling of a parameter: "--as-of".
std::string option_name(const std::string& parameter);

}  // namespace ketenflow::query
