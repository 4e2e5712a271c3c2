#include "query/report_params.h"

#include <tuple>
#include <utility>

#include "kpi/calendar.h"
#include "model/time.h"
#include "query/measure_query.h"

namespace ketenflow::query {

std::optional<ParamError> parse_report_text(const ReportText& text, const model::ChainModel& chain,
                                            int32_t clock_today, KpiQuery& out) {
  for (const auto& [name, value, day] :
       {std::tuple{"from", &text.from, &out.from}, std::tuple{"to", &text.to, &out.to}}) {
    if (value->empty()) continue;
    auto parsed = model::parse_day(*value);
    if (!parsed) return ParamError{name, parsed.error()};
    *day = *parsed;
  }
  if (out.from && out.to && *out.from >= *out.to) return ParamError{"to", "must be after from"};
  if (!text.by.empty()) {
    auto period = kpi::parse_period(text.by);
    if (!period) return ParamError{"by", period.error()};
    out.by = *period;
  }
  if (!text.view.empty()) {
    auto view = parse_view(text.view);
    if (!view) return ParamError{"view", view.error()};
    out.view = *view;
  }
  out.today = clock_today;
  if (!text.as_of.empty()) {
    auto instant = model::parse_instant(text.as_of, chain.zone);
    if (!instant) {
      return ParamError{
          "as_of", instant.error() + "; want an RFC 3339 instant such as 2024-03-31T18:00:00Z"};
    }
    out.as_of_ms = *instant;
    // The report as it was made then: "today" was the as-of day.
    out.today = model::local_day(*instant, chain.zone);
  }
  if (!text.today.empty()) {
    auto today = model::parse_day(text.today);
    if (!today) return ParamError{"today", today.error()};
    out.today = *today;
  }
  return std::nullopt;
}

std::optional<ParamError> check_report_size(const AggregateSource& source, const KpiQuery& query) {
  if (!query.by || !source.days) return std::nullopt;
  const std::string why = too_many_periods(query, source.days());
  if (why.empty()) return std::nullopt;
  return ParamError{"by", why};
}

std::optional<ParamError> check_calendar_periods(const KpiQuery& query) {
  for (const auto& [name, day] : {std::pair{"from", query.from}, std::pair{"to", query.to}}) {
    if (day && kpi::period_start(kpi::Period::kMonth, *day) != *day) {
      return ParamError{name,
                        "analysts ask for whole calendar months: the first day of a month, "
                        "such as " +
                            model::format_day(kpi::period_start(kpi::Period::kMonth, *day))};
    }
  }
  if (query.as_of_ms) return ParamError{"as_of", "not for analysts with calendar periods"};
  return std::nullopt;
}

std::string option_name(const std::string& parameter) {
  std::string out = "--" + parameter;
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

}  // namespace ketenflow::query
