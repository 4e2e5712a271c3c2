// Time in ketenflow: instants are int64 milliseconds since the Unix epoch
// (UTC); calendar days are int32 days since 1970-01-01 (a "day number").
// A chain's KPIs are bucketed by the *local* day in the chain's time zone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "model/result.h"

namespace date {
class time_zone;
}

namespace ketenflow::model {

inline constexpr int64_t kMsPerDay = 86'400'000;

int64_t to_ms(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp from_ms(int64_t ms);

// Parses an ISO 8601 / RFC 3339 instant: "2024-03-01T12:00:00Z",
// "2024-03-01 12:00:00.123+01:00", "2024-03-01T12:00:00" ... Fractions
// beyond milliseconds are truncated. Text without an offset is local time in
// `zone`; a local time that does not exist (DST gap) or is ambiguous (DST
// fold) takes the earlier offset. A bare date "2024-03-01" is local midnight.
// `*local`, when given, is set to whether the text had no offset.
Result<int64_t> parse_instant(std::string_view text, const date::time_zone* zone,
                              bool* local = nullptr);

// "2024-03-01T11:00:00.123Z" (UTC, milliseconds only when non-zero).
std::string format_instant(int64_t ms);

// The local calendar day of an instant in `zone`.
int32_t local_day(int64_t ms, const date::time_zone* zone);
// The instant local midnight of `day` starts in `zone`.
int64_t day_start_ms(int32_t day, const date::time_zone* zone);

// "2024-03-01" <-> day number.
Result<int32_t> parse_day(std::string_view text);
std::string format_day(int32_t day);

// Looks up an IANA zone ("Europe/Amsterdam") in the system tz database.
Result<const date::time_zone*> find_zone(std::string_view name);
// The IANA name of `zone` ("UTC" for none).
std::string zone_name(const date::time_zone* zone);

}  // namespace ketenflow::model
