#include "kpi/working_days.h"

#include <algorithm>
#include <chrono>

#include <date/date.h>

namespace ketenflow::kpi {
namespace {

int32_t day_of(int year, unsigned month, unsigned day) {
  const date::sys_days d{date::year{year} / date::month{month} / date::day{day}};
  return d.time_since_epoch().count();
}

// Monday 0 .. Sunday 6.
int weekday_of(int32_t day) {
  const date::weekday wd{date::sys_days{date::days{day}}};
  return static_cast<int>((wd - date::Monday).count());
}

bool is_dutch_holiday(int32_t day) {
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  const int year = static_cast<int>(ymd.year());
  const unsigned month = static_cast<unsigned>(ymd.month());
  const unsigned dom = static_cast<unsigned>(ymd.day());
  if (month == 1 && dom == 1) return true;
  if (month == 12 && (dom == 25 || dom == 26)) return true;
  if (month == 5 && dom == 5) return true;
  if (month == 4) {
    // King's Day (from 2014) / Queen's Day (before): moved back a day when it
    // falls on a Sunday.
    const unsigned nominal = year >= 2014 ? 27 : 30;
    const bool sunday = weekday_of(day_of(year, 4, nominal)) == 6;
    if (dom == (sunday ? nominal - 1 : nominal)) return true;
  }
  if (month >= 3 && month <= 6) {
    const int32_t easter = easter_sunday(year);
    const int32_t offset = day - easter;
    if (offset == 1 || offset == 39 || offset == 50) return true;
  }
  return false;
}

}  // namespace

int32_t easter_sunday(int year) {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return day_of(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::vector<int32_t> dutch_holidays(int year) {
  std::vector<int32_t> out;
  for (int32_t day = day_of(year, 1, 1), end = day_of(year + 1, 1, 1); day < end; ++day) {
    if (is_dutch_holiday(day)) out.push_back(day);
  }
  return out;
}

bool is_working_day(int32_t day, std::span<const int32_t> extra) {
  if (weekday_of(day) >= 5) return false;
  if (is_dutch_holiday(day)) return false;
  return !std::binary_search(extra.begin(), extra.end(), day);
}

int32_t add_working_days(int32_t day, int32_t n, std::span<const int32_t> extra) {
  while (n > 0) {
    ++day;
    if (is_working_day(day, extra)) --n;
  }
  return day;
}

int32_t working_days_between(int32_t from, int32_t to, std::span<const int32_t> extra) {
  int32_t n = 0;
  for (int32_t day = from + 1; day <= to; ++day) {
    if (is_working_day(day, extra)) ++n;
  }
  return n;
}

}  // namespace ketenflow::kpi
