// Working days (kpi/working_days.h): Dutch national holidays and working-day
// arithmetic, against dates looked up by hand in the calendar.
#include "kpi/working_days.h"
#include "test_support.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ketenflow {
namespace {

int32_t d(int y, int m, int day) {
  return static_cast<int32_t>(testing::days_from_civil(y, m, day));
}

TEST(WorkingDays, EasterByTheGregorianComputus) {
  EXPECT_EQ(kpi::easter_sunday(2024), d(2024, 3, 31));
  EXPECT_EQ(kpi::easter_sunday(2025), d(2025, 4, 20));
  EXPECT_EQ(kpi::easter_sunday(2019), d(2019, 4, 21));
  EXPECT_EQ(kpi::easter_sunday(2000), d(2000, 4, 23));
  EXPECT_EQ(kpi::easter_sunday(2038), d(2038, 4, 25));  // latest possible date
}

TEST(WorkingDays, DutchHolidaysOf2024) {
  EXPECT_EQ(
      kpi::dutch_holidays(2024),
      (std::vector<int32_t>{d(2024, 1, 1), d(2024, 4, 1), d(2024, 4, 27), d(2024, 5, 5),
                            d(2024, 5, 9), d(2024, 5, 20), d(2024, 12, 25), d(2024, 12, 26)}));
}

TEST(WorkingDays, KingsDayOnASundayMovesToSaturday) {
  // 27 April 2025 is a Sunday.
  EXPECT_EQ(
      kpi::dutch_holidays(2025),
      (std::vector<int32_t>{d(2025, 1, 1), d(2025, 4, 21), d(2025, 4, 26), d(2025, 5, 5),
                            d(2025, 5, 29), d(2025, 6, 9), d(2025, 12, 25), d(2025, 12, 26)}));
  // 27 April 2014 (first King's Day) was a Sunday too.
  const auto h2014 = kpi::dutch_holidays(2014);
  EXPECT_NE(std::find(h2014.begin(), h2014.end(), d(2014, 4, 26)), h2014.end());
  EXPECT_EQ(std::find(h2014.begin(), h2014.end(), d(2014, 4, 27)), h2014.end());
}

TEST(WorkingDays, QueensDayBefore2014) {
  const auto h = kpi::dutch_holidays(2013);
  EXPECT_NE(std::find(h.begin(), h.end(), d(2013, 4, 30)), h.end());
  EXPECT_EQ(std::find(h.begin(), h.end(), d(2013, 4, 27)), h.end());
  // King's Day on a Thursday is not a working day.
  EXPECT_FALSE(kpi::is_working_day(d(2023, 4, 27)));
  EXPECT_EQ(kpi::add_working_days(d(2023, 4, 26), 1), d(2023, 4, 28));
}

TEST(WorkingDays, AcrossEaster) {
  // Good Friday is a working day, Easter Monday is not.
  EXPECT_TRUE(kpi::is_working_day(d(2024, 3, 29)));
  EXPECT_FALSE(kpi::is_working_day(d(2024, 4, 1)));
  EXPECT_EQ(kpi::add_working_days(d(2024, 3, 28), 1), d(2024, 3, 29));
  EXPECT_EQ(kpi::add_working_days(d(2024, 3, 28), 2), d(2024, 4, 2));
  // Screening within 10 working days of Monday 25 March 2024.
  EXPECT_EQ(kpi::add_working_days(d(2024, 3, 25), 10), d(2024, 4, 9));
  EXPECT_EQ(kpi::working_days_between(d(2024, 3, 25), d(2024, 4, 9)), 10);
  EXPECT_EQ(kpi::working_days_between(d(2024, 3, 25), d(2024, 4, 8)), 9);
}

TEST(WorkingDays, AcrossTheYearEnd) {
  EXPECT_EQ(kpi::add_working_days(d(2024, 12, 24), 0), d(2024, 12, 24));
  EXPECT_EQ(kpi::add_working_days(d(2024, 12, 24), 1), d(2024, 12, 27));
  EXPECT_EQ(kpi::add_working_days(d(2024, 12, 24), 3), d(2024, 12, 31));
  EXPECT_EQ(kpi::add_working_days(d(2024, 12, 24), 4), d(2025, 1, 2));
  EXPECT_EQ(kpi::working_days_between(d(2024, 12, 24), d(2025, 1, 2)), 4);
  EXPECT_EQ(kpi::working_days_between(d(2025, 1, 2), d(2024, 12, 24)), 0);
  // From a Saturday: the first working day is Monday.
  EXPECT_FALSE(kpi::is_working_day(d(2024, 12, 28)));
  EXPECT_EQ(kpi::add_working_days(d(2024, 12, 28), 1), d(2024, 12, 30));
}

TEST(WorkingDays, ExtraChainHolidays) {
  const std::vector<int32_t> extra = {d(2024, 12, 27)};
  EXPECT_FALSE(kpi::is_working_day(d(2024, 12, 27), extra));
  EXPECT_EQ(kpi::add_working_days(d(2024, 12, 24), 1, extra), d(2024, 12, 30));
}

}  // namespace
}  // namespace ketenflow
