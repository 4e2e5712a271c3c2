// Query periods over day numbers (see calendar.h). Calendar arithmetic is
// date's (days_from_civil / civil_from_days and iso_week), valid for the years
// date::year supports (-32767 .. 32767).
#include "kpi/calendar.h"

#include <array>
#include <chrono>
#include <cstdio>

#include <date/date.h>
#include <date/iso_week.h>

#include "model/time.h"

namespace ketenflow::kpi {
namespace {

struct Named {
  Period period;
  std::string_view name;
};
constexpr std::array<Named, 5> kPeriods = {{{Period::kDay, "day"},
                                            {Period::kWeek, "week"},
                                            {Period::kMonth, "month"},
                                            {Period::kQuarter, "quarter"},
                                            {Period::kYear, "year"}}};

date::sys_days to_sys(int32_t day) { return date::sys_days{date::days{day}}; }
int32_t to_day(date::sys_days d) { return d.time_since_epoch().count(); }
int32_t to_day(const date::year_month_day& ymd) { return to_day(date::sys_days{ymd}); }

date::year_month_day civil(int32_t day) { return date::year_month_day{to_sys(day)}; }

// Days since the Monday of the ISO week (Monday 0 .. Sunday 6).
int32_t days_since_monday(int32_t day) {
  return static_cast<int32_t>((date::weekday{to_sys(day)} - date::Monday).count());
}

// First month (1, 4, 7, 10) of the quarter of `m`.
date::month quarter_first_month(date::month m) {
  const unsigned first = (static_cast<unsigned>(m) - 1) / 3 * 3 + 1;
  return date::month{first};
}

}  // namespace

Result<Period> parse_period(std::string_view text) {
  for (const Named& n : kPeriods) {
    if (n.name == text) return n.period;
  }
  return Error{"unknown period \"" + std::string(text) +
               "\" (expected day, week, month, quarter or year)"};
}

int32_t year_before(int32_t day) {
  const date::year_month_day ymd = civil(day);
  date::year_month_day back{ymd.year() - date::years{1}, ymd.month(), ymd.day()};
  if (!back.ok()) back = date::year_month_day{back.year() / back.month() / date::last};
  return to_day(back);
}

std::string_view period_name(Period period) {
  for (const Named& n : kPeriods) {
    if (n.period == period) return n.name;
  }
  return "?";
}

int32_t period_start(Period period, int32_t day) {
  switch (period) {
    case Period::kDay:
      return day;
    case Period::kWeek:
      return day - days_since_monday(day);
    case Period::kMonth: {
      const date::year_month_day ymd = civil(day);
      return to_day(ymd.year() / ymd.month() / 1);
    }
    case Period::kQuarter: {
      const date::year_month_day ymd = civil(day);
      return to_day(ymd.year() / quarter_first_month(ymd.month()) / 1);
    }
    case Period::kYear:
      return to_day(civil(day).year() / date::January / 1);
  }
  return day;
}

int32_t period_end(Period period, int32_t day) {
  switch (period) {
    case Period::kDay:
      return day + 1;
    case Period::kWeek:
      return period_start(Period::kWeek, day) + 7;
    case Period::kMonth: {
      const date::year_month_day ymd = civil(day);
      return to_day(date::year_month_day{ymd.year() / ymd.month() / 1} + date::months{1});
    }
    case Period::kQuarter: {
      const date::year_month_day ymd = civil(day);
      return to_day(date::year_month_day{ymd.year() / quarter_first_month(ymd.month()) / 1} +
                    date::months{3});
    }
    case Period::kYear:
      return to_day((civil(day).year() + date::years{1}) / date::January / 1);
  }
  return day + 1;
}

std::string period_label(Period period, int32_t day) {
  char buf[32];
  switch (period) {
    case Period::kDay:
      return model::format_day(day);
    case Period::kWeek: {
      // The ISO week-numbering year: 2024-12-30 is in 2025-W01.
      const iso_week::year_weeknum_weekday iso{to_sys(day)};
      std::snprintf(buf, sizeof buf, "%04d-W%02u", static_cast<int>(iso.year()),
                    static_cast<unsigned>(iso.weeknum()));
      return buf;
    }
    case Period::kMonth: {
      const date::year_month_day ymd = civil(day);
      std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()));
      return buf;
    }
    case Period::kQuarter: {
      const date::year_month_day ymd = civil(day);
      std::snprintf(buf, sizeof buf, "%04d-Q%u", static_cast<int>(ymd.year()),
                    (static_cast<unsigned>(ymd.month()) - 1) / 3 + 1);
      return buf;
    }
    case Period::kYear:
      std::snprintf(buf, sizeof buf, "%04d", static_cast<int>(civil(day).year()));
      return buf;
  }
  return model::format_day(day);
}

}  // namespace ketenflow::kpi
