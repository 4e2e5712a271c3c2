// Periods for KPI queries: a local day belongs to one day, ISO week, month,
// quarter and year. Day numbers are days since 1970-01-01 (see model/time.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/result.h"

namespace ketenflow::kpi {

enum class Period { kDay, kWeek, kMonth, kQuarter, kYear };

// "day" | "week" | "month" | "quarter" | "year".
Result<Period> parse_period(std::string_view text);
std::string_view period_name(Period period);

// First day of the period that contains `day` (Monday for ISO weeks).
int32_t period_start(Period period, int32_t day);
// First day of the following period.
int32_t period_end(Period period, int32_t day);
// "2024-03-01", "2024-W09", "2024-03", "2024-Q1", "2024".
std::string period_label(Period period, int32_t day);

// The same calendar day a year earlier (29 February: the 28th).
int32_t year_before(int32_t day);

}  // namespace ketenflow::kpi
