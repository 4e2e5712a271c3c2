// Working days: weekdays that are not a Dutch national holiday nor one of a
// chain's extra holidays. Pure functions over day numbers (days since
// 1970-01-01, see model/time.h), valid for every year date::year supports.
//
// National holidays per the Algemene termijnenwet: New Year's Day, Easter
// Monday (Easter Sunday by the Gregorian computus), King's Day (27 April, or
// 26 April when the 27th is a Sunday; Queen's Day 30 April — 29 April when
// that is a Sunday — before 2014), Liberation Day (5 May), Ascension Day
// (Easter + 39), Whit Monday (Easter + 50), Christmas Day and Boxing Day.
// Saturdays and Sundays are never working days.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ketenflow::kpi {

// Easter Sunday of `year` (Gregorian), as a day number.
int32_t easter_sunday(int year);

// The Dutch national holidays of `year`, ascending.
std::vector<int32_t> dutch_holidays(int year);

// Whether `day` is a working day; `extra` are a chain's own holidays (sorted
// ascending).
bool is_working_day(int32_t day, std::span<const int32_t> extra = {});

// The day `n` working days after `day` (n >= 0; `day` itself need not be a
// working day): n = 0 gives `day`, 1 the first working day after it.
int32_t add_working_days(int32_t day, int32_t n, std::span<const int32_t> extra = {});

// Working days in (from, to]: the n with add_working_days(from, n) <= to <
// add_working_days(from, n + 1); 0 when to <= from.
int32_t working_days_between(int32_t from, int32_t to, std::span<const int32_t> extra = {});

}  // namespace ketenflow::kpi
