// Query periods over day numbers: kpi/calendar.h.
#include "kpi/calendar.h"

#include <string>

#include <gtest/gtest.h>

#include "model/time.h"

namespace ketenflow::kpi {
namespace {

int32_t day(std::string_view text) {
  Result<int32_t> d = model::parse_day(text);
  EXPECT_TRUE(d.ok()) << d.error();
  return d.ok() ? *d : 0;
}

std::string start(Period p, std::string_view text) {
  return model::format_day(period_start(p, day(text)));
}
std::string end(Period p, std::string_view text) {
  return model::format_day(period_end(p, day(text)));
}
std::string label(Period p, std::string_view text) { return period_label(p, day(text)); }

TEST(Calendar, IsoWeeksAcrossYearEnds) {
  // Checked against Python's date.isocalendar().
  EXPECT_EQ(label(Period::kWeek, "2020-12-31"), "2020-W53");
  EXPECT_EQ(label(Period::kWeek, "2021-01-03"), "2020-W53");
  EXPECT_EQ(label(Period::kWeek, "2021-01-04"), "2021-W01");
  EXPECT_EQ(label(Period::kWeek, "2024-12-29"), "2024-W52");
  EXPECT_EQ(label(Period::kWeek, "2024-12-30"), "2025-W01");
  EXPECT_EQ(label(Period::kWeek, "2025-01-05"), "2025-W01");
  EXPECT_EQ(label(Period::kWeek, "2024-01-01"), "2024-W01");
  EXPECT_EQ(label(Period::kWeek, "2024-02-01"), "2024-W05");
  EXPECT_EQ(label(Period::kWeek, "2024-03-01"), "2024-W09");
  EXPECT_EQ(label(Period::kWeek, "2026-01-01"), "2026-W01");
  EXPECT_EQ(label(Period::kWeek, "2027-01-01"), "2026-W53");
  EXPECT_EQ(label(Period::kWeek, "2016-01-03"), "2015-W53");
  EXPECT_EQ(label(Period::kWeek, "1970-01-01"), "1970-W01");  // a Thursday

  // Weeks start on Monday, also when the week straddles a year end.
  EXPECT_EQ(start(Period::kWeek, "2021-01-03"), "2020-12-28");
  EXPECT_EQ(end(Period::kWeek, "2021-01-03"), "2021-01-04");
  EXPECT_EQ(start(Period::kWeek, "2021-01-04"), "2021-01-04");
  EXPECT_EQ(end(Period::kWeek, "2021-01-04"), "2021-01-11");
  EXPECT_EQ(start(Period::kWeek, "2025-01-01"), "2024-12-30");
  EXPECT_EQ(start(Period::kWeek, "1970-01-01"), "1969-12-29");
  EXPECT_EQ(start(Period::kWeek, "1969-12-31"), "1969-12-29");
}

TEST(Calendar, WeekStartIsAlwaysAMondaySevenDaysApart) {
  const int32_t monday = day("2024-01-01");
  for (int32_t d = day("1960-01-01"); d < day("2040-01-01"); ++d) {
    const int32_t s = period_start(Period::kWeek, d);
    ASSERT_LE(s, d);
    ASSERT_LT(d, s + 7);
    ASSERT_EQ(((s - monday) % 7 + 7) % 7, 0) << model::format_day(d);
    ASSERT_EQ(period_end(Period::kWeek, d), s + 7);
    ASSERT_EQ(period_label(Period::kWeek, d), period_label(Period::kWeek, s));
  }
}

TEST(Calendar, AYearBeforeIsTheSameCalendarDayAndLeapDayGoesToThe28th) {
  EXPECT_EQ(model::format_day(year_before(day("2025-03-15"))), "2024-03-15");
  EXPECT_EQ(model::format_day(year_before(day("2025-01-01"))), "2024-01-01");
  EXPECT_EQ(model::format_day(year_before(day("2024-02-29"))), "2023-02-28");
  EXPECT_EQ(model::format_day(year_before(day("2024-03-01"))), "2023-03-01");
  EXPECT_EQ(model::format_day(year_before(day("2025-02-28"))), "2024-02-28");
}

TEST(Calendar, MonthsIncludingLeapYears) {
  EXPECT_EQ(start(Period::kMonth, "2024-02-29"), "2024-02-01");
  EXPECT_EQ(end(Period::kMonth, "2024-02-29"), "2024-03-01");
  EXPECT_EQ(end(Period::kMonth, "2024-02-01"), "2024-03-01");
  EXPECT_EQ(period_end(Period::kMonth, day("2024-02-10")) -
                period_start(Period::kMonth, day("2024-02-10")),
            29);
  EXPECT_EQ(period_end(Period::kMonth, day("2023-02-10")) -
                period_start(Period::kMonth, day("2023-02-10")),
            28);
  EXPECT_EQ(period_end(Period::kMonth, day("1900-02-10")) -
                period_start(Period::kMonth, day("1900-02-10")),
            28);  // not a leap year
  EXPECT_EQ(period_end(Period::kMonth, day("2000-02-10")) -
                period_start(Period::kMonth, day("2000-02-10")),
            29);  // a leap year
  EXPECT_EQ(start(Period::kMonth, "2024-12-31"), "2024-12-01");
  EXPECT_EQ(end(Period::kMonth, "2024-12-31"), "2025-01-01");
  EXPECT_EQ(end(Period::kMonth, "2024-01-31"), "2024-02-01");
  EXPECT_EQ(label(Period::kMonth, "2024-03-01"), "2024-03");
  EXPECT_EQ(label(Period::kMonth, "2024-12-31"), "2024-12");
  EXPECT_EQ(label(Period::kMonth, "1969-12-31"), "1969-12");
}

TEST(Calendar, Quarters) {
  EXPECT_EQ(start(Period::kQuarter, "2024-01-01"), "2024-01-01");
  EXPECT_EQ(start(Period::kQuarter, "2024-03-31"), "2024-01-01");
  EXPECT_EQ(end(Period::kQuarter, "2024-03-31"), "2024-04-01");
  EXPECT_EQ(start(Period::kQuarter, "2024-04-01"), "2024-04-01");
  EXPECT_EQ(start(Period::kQuarter, "2024-08-15"), "2024-07-01");
  EXPECT_EQ(end(Period::kQuarter, "2024-08-15"), "2024-10-01");
  EXPECT_EQ(start(Period::kQuarter, "2024-12-31"), "2024-10-01");
  EXPECT_EQ(end(Period::kQuarter, "2024-12-31"), "2025-01-01");
  EXPECT_EQ(period_end(Period::kQuarter, day("2024-02-01")) -
                period_start(Period::kQuarter, day("2024-02-01")),
            91);  // leap year Q1
  EXPECT_EQ(period_end(Period::kQuarter, day("2023-02-01")) -
                period_start(Period::kQuarter, day("2023-02-01")),
            90);
  EXPECT_EQ(label(Period::kQuarter, "2024-01-01"), "2024-Q1");
  EXPECT_EQ(label(Period::kQuarter, "2024-03-31"), "2024-Q1");
  EXPECT_EQ(label(Period::kQuarter, "2024-04-01"), "2024-Q2");
  EXPECT_EQ(label(Period::kQuarter, "2024-09-30"), "2024-Q3");
  EXPECT_EQ(label(Period::kQuarter, "2024-12-31"), "2024-Q4");
}

TEST(Calendar, Years) {
  EXPECT_EQ(start(Period::kYear, "2024-07-01"), "2024-01-01");
  EXPECT_EQ(end(Period::kYear, "2024-07-01"), "2025-01-01");
  EXPECT_EQ(start(Period::kYear, "2024-12-31"), "2024-01-01");
  EXPECT_EQ(end(Period::kYear, "2024-12-31"), "2025-01-01");
  EXPECT_EQ(
      period_end(Period::kYear, day("2024-05-05")) - period_start(Period::kYear, day("2024-05-05")),
      366);
  EXPECT_EQ(
      period_end(Period::kYear, day("2023-05-05")) - period_start(Period::kYear, day("2023-05-05")),
      365);
  EXPECT_EQ(label(Period::kYear, "2024-12-31"), "2024");
  EXPECT_EQ(label(Period::kYear, "2025-01-01"), "2025");
  EXPECT_EQ(label(Period::kYear, "1969-12-31"), "1969");
}

TEST(Calendar, Days) {
  EXPECT_EQ(period_start(Period::kDay, day("2024-03-01")), day("2024-03-01"));
  EXPECT_EQ(end(Period::kDay, "2024-02-29"), "2024-03-01");
  EXPECT_EQ(end(Period::kDay, "2024-12-31"), "2025-01-01");
  EXPECT_EQ(label(Period::kDay, "2024-03-01"), "2024-03-01");
}

// Every period tiles the days: consecutive periods touch, each day is inside
// its period, and all days of a period share its label.
TEST(Calendar, PeriodsTileTheDays) {
  for (Period p : {Period::kDay, Period::kWeek, Period::kMonth, Period::kQuarter, Period::kYear}) {
    int32_t d = period_start(p, day("1999-01-01"));
    while (d < day("2031-01-01")) {
      const int32_t e = period_end(p, d);
      ASSERT_GT(e, d) << period_name(p);
      ASSERT_EQ(period_start(p, d), d) << period_name(p);
      ASSERT_EQ(period_start(p, e - 1), d) << period_name(p);
      ASSERT_EQ(period_label(p, e - 1), period_label(p, d)) << period_name(p);
      ASSERT_NE(period_label(p, e), period_label(p, d)) << period_name(p);
      d = e;
    }
  }
}

TEST(Calendar, ParsePeriod) {
  for (Period p : {Period::kDay, Period::kWeek, Period::kMonth, Period::kQuarter, Period::kYear}) {
    Result<Period> parsed = parse_period(period_name(p));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(period_name(Period::kDay), "day");
  EXPECT_EQ(period_name(Period::kWeek), "week");
  EXPECT_EQ(period_name(Period::kMonth), "month");
  EXPECT_EQ(period_name(Period::kQuarter), "quarter");
  EXPECT_EQ(period_name(Period::kYear), "year");

  Result<Period> bad = parse_period("fortnight");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(),
            "unknown period \"fortnight\" (expected day, week, month, quarter or year)");
  bad = parse_period("");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "unknown period \"\" (expected day, week, month, quarter or year)");
  bad = parse_period("Week");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "unknown period \"Week\" (expected day, week, month, quarter or year)");
}

}  // namespace
}  // namespace ketenflow::kpi
