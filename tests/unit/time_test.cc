// Instants, days and zones: model/time.h.
#include "model/time.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

namespace ketenflow::model {
namespace {

// 2024-03-01T12:00:00Z, checked against Python's datetime.
constexpr int64_t kMar1Noon = 1'709'294'400'000;
constexpr int64_t kHourMs = 3'600'000;

const date::time_zone* amsterdam() {
  Result<const date::time_zone*> zone = find_zone("Europe/Amsterdam");
  EXPECT_TRUE(zone.ok()) << zone.error();
  return zone.ok() ? *zone : nullptr;
}

int64_t instant(std::string_view text) {
  Result<int64_t> ms = parse_instant(text, amsterdam());
  EXPECT_TRUE(ms.ok()) << ms.error();
  return ms.ok() ? *ms : 0;
}

int32_t day(std::string_view text) {
  Result<int32_t> d = parse_day(text);
  EXPECT_TRUE(d.ok()) << d.error();
  return d.ok() ? *d : 0;
}

std::string parse_error(std::string_view text) {
  Result<int64_t> ms = parse_instant(text, amsterdam());
  EXPECT_FALSE(ms.ok()) << text << " parsed as " << format_instant(*ms);
  return ms.ok() ? std::string() : ms.error();
}

TEST(ParseInstant, AcceptedForms) {
  EXPECT_EQ(instant("2024-03-01T12:00:00Z"), kMar1Noon);
  EXPECT_EQ(instant("2024-03-01T12:00:00z"), kMar1Noon);
  EXPECT_EQ(instant("2024-03-01T12:00:00.123Z"), kMar1Noon + 123);
  EXPECT_EQ(instant("2024-03-01T12:00:00+01:00"), kMar1Noon - kHourMs);
  EXPECT_EQ(instant("2024-03-01T12:00:00+0100"), kMar1Noon - kHourMs);
  EXPECT_EQ(instant("2024-03-01T12:00:00-05:30"), kMar1Noon + 5 * kHourMs + 30 * 60'000);
  EXPECT_EQ(instant("2024-03-01T12:00:00+00:00"), kMar1Noon);
  EXPECT_EQ(instant("2024-03-01 12:00:00.123000+01:00"), kMar1Noon - kHourMs + 123);
  // Fractions of any length, truncated (not rounded) to milliseconds.
  EXPECT_EQ(instant("2024-03-01T12:00:00.1Z"), kMar1Noon + 100);
  EXPECT_EQ(instant("2024-03-01T12:00:00.12Z"), kMar1Noon + 120);
  EXPECT_EQ(instant("2024-03-01T12:00:00.999999999Z"), kMar1Noon + 999);
  EXPECT_EQ(instant("2024-03-01T12:00:00,5Z"), kMar1Noon + 500);
  // Without offset: local time in the zone (CET, +01:00, on 1 March).
  EXPECT_EQ(instant("2024-03-01T12:00:00"), kMar1Noon - kHourMs);
  EXPECT_EQ(instant("2024-03-01T12:00:00.250"), kMar1Noon - kHourMs + 250);
  // A bare date is local midnight: 2024-02-29T23:00:00Z.
  EXPECT_EQ(instant("2024-03-01"), kMar1Noon - 13 * kHourMs);
  // Summer time, a leap day, the epoch and before it.
  EXPECT_EQ(instant("2024-07-01T12:00:00"), instant("2024-07-01T10:00:00Z"));
  EXPECT_EQ(instant("2024-02-29T00:00:00Z"), kMar1Noon - 36 * kHourMs);
  EXPECT_EQ(instant("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(instant("1969-12-31T23:59:59.999Z"), -1);
  // A real line of receipt.csv.
  EXPECT_EQ(instant("2011-10-11 13:45:40.276000+02:00"), 1'318'333'540'276);
}

TEST(ParseInstant, OffsetNeedsNoZone) {
  Result<int64_t> ms = parse_instant("2024-03-01T12:00:00Z", nullptr);
  ASSERT_TRUE(ms.ok()) << ms.error();
  EXPECT_EQ(*ms, kMar1Noon);
  Result<int64_t> local = parse_instant("2024-03-01T12:00:00", nullptr);
  ASSERT_FALSE(local.ok());
  EXPECT_EQ(local.error(), "\"2024-03-01T12:00:00\": a time without offset needs a time zone");
}

TEST(ParseInstant, Rejections) {
  EXPECT_EQ(parse_error("2024-13-01T00:00:00Z"), "\"2024-13-01T00:00:00Z\": month 13 out of range");
  EXPECT_EQ(parse_error("2024-00-01T00:00:00Z"), "\"2024-00-01T00:00:00Z\": month 0 out of range");
  EXPECT_EQ(parse_error("2023-02-29T00:00:00Z"),
            "\"2023-02-29T00:00:00Z\": day 29 out of range (2023-02 has 28 days)");
  EXPECT_EQ(parse_error("2024-04-31"), "\"2024-04-31\": day 31 out of range (2024-04 has 30 days)");
  EXPECT_EQ(parse_error("2024-03-00"), "\"2024-03-00\": day 0 out of range (2024-03 has 31 days)");
  EXPECT_EQ(parse_error("2024-03-01T24:00:00Z"), "\"2024-03-01T24:00:00Z\": hour 24 out of range");
  EXPECT_EQ(parse_error("2024-03-01T12:60:00Z"),
            "\"2024-03-01T12:60:00Z\": minute 60 out of range");
  EXPECT_EQ(parse_error("2024-03-01T12:00:60Z"),
            "\"2024-03-01T12:00:60Z\": second 60 out of range");
  EXPECT_EQ(parse_error(""), "empty timestamp");
  EXPECT_EQ(parse_error("yesterday"), "\"yesterday\": expected a date YYYY-MM-DD");
  EXPECT_EQ(parse_error("2024-3-1"), "\"2024-3-1\": expected a date YYYY-MM-DD");
  EXPECT_EQ(parse_error("24-03-01"), "\"24-03-01\": expected a date YYYY-MM-DD");
  EXPECT_EQ(parse_error("2024/03/01"), "\"2024/03/01\": expected a date YYYY-MM-DD");
  EXPECT_EQ(parse_error("1709294400"), "\"1709294400\": expected a date YYYY-MM-DD");
  EXPECT_EQ(parse_error("2024-03-01X12:00:00Z"),
            "\"2024-03-01X12:00:00Z\": expected 'T' or ' ' after the date, found 'X'");
  EXPECT_EQ(parse_error("2024-03-01T12:00Z"),
            "\"2024-03-01T12:00Z\": expected a time hh:mm:ss after the date");
  EXPECT_EQ(parse_error("2024-03-01T1:00:00Z"),
            "\"2024-03-01T1:00:00Z\": expected a time hh:mm:ss after the date");
  EXPECT_EQ(parse_error("2024-03-01T"), "\"2024-03-01T\": expected a time hh:mm:ss after the date");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00.Z"),
            "\"2024-03-01T12:00:00.Z\": expected digits after the decimal point");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00+1"),
            "\"2024-03-01T12:00:00+1\": expected an offset like +01:00, +0100 or Z");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00+01"),
            "\"2024-03-01T12:00:00+01\": expected an offset like +01:00, +0100 or Z");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00+01:0"),
            "\"2024-03-01T12:00:00+01:0\": expected an offset like +01:00, +0100 or Z");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00+24:00"),
            "\"2024-03-01T12:00:00+24:00\": offset hour 24 out of range");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00+01:60"),
            "\"2024-03-01T12:00:00+01:60\": offset minute 60 out of range");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00 CET"),
            "\"2024-03-01T12:00:00 CET\": expected an offset like +01:00, +0100 or Z, found ' '");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00Z "),
            "\"2024-03-01T12:00:00Z \": unexpected \" \" after the timestamp");
  EXPECT_EQ(parse_error("2024-03-01T12:00:00+01:00:00"),
            "\"2024-03-01T12:00:00+01:00:00\": unexpected \":00\" after the timestamp");
  // Long garbage is shortened in the message.
  const std::string garbage(500, 'x');
  EXPECT_EQ(parse_error(garbage),
            "\"" + std::string(64, 'x') + "...\": expected a date YYYY-MM-DD");
}

TEST(FormatInstant, MillisecondsOnlyWhenNonZero) {
  EXPECT_EQ(format_instant(kMar1Noon), "2024-03-01T12:00:00Z");
  EXPECT_EQ(format_instant(kMar1Noon + 123), "2024-03-01T12:00:00.123Z");
  EXPECT_EQ(format_instant(kMar1Noon + 5), "2024-03-01T12:00:00.005Z");
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_instant(instant("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_instant(instant("9999-12-31T23:59:59.999Z")), "9999-12-31T23:59:59.999Z");
}

TEST(FormatInstant, RoundTrips) {
  for (int64_t ms : {int64_t{0}, int64_t{-1}, kMar1Noon, kMar1Noon + 1, int64_t{951'782'400'000},
                     int64_t{-2'208'988'800'001}, int64_t{4'102'444'799'999}}) {
    EXPECT_EQ(instant(format_instant(ms)), ms) << format_instant(ms);
  }
}

TEST(Protobuf, MillisecondsRoundTrip) {
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{-1000}, int64_t{-1001}, kMar1Noon + 123}) {
    const google::protobuf::Timestamp ts = from_ms(ms);
    EXPECT_GE(ts.nanos(), 0);
    EXPECT_LT(ts.nanos(), 1'000'000'000);
    EXPECT_EQ(to_ms(ts), ms);
  }
  google::protobuf::Timestamp ts;
  ts.set_seconds(1);
  ts.set_nanos(999'999'999);  // sub-millisecond part is truncated
  EXPECT_EQ(to_ms(ts), 1999);
  EXPECT_EQ(from_ms(-1).seconds(), -1);
  EXPECT_EQ(from_ms(-1).nanos(), 999'000'000);
}

TEST(Days, ParseAndFormat) {
  EXPECT_EQ(day("1970-01-01"), 0);
  EXPECT_EQ(day("1969-12-31"), -1);
  EXPECT_EQ(day("2024-03-01"), 19'783);
  EXPECT_EQ(day("2000-02-29"), 11'016);
  EXPECT_EQ(format_day(19'783), "2024-03-01");
  EXPECT_EQ(format_day(-1), "1969-12-31");
  EXPECT_EQ(format_day(11'016), "2000-02-29");
  for (int32_t d = -800'000; d <= 2'933'000; d += 997) {  // years ~-220 .. ~9999
    if (d < -719'162) continue;  // before 0001-01-01 the year is not 4 digits
    EXPECT_EQ(day(format_day(d)), d);
  }

  Result<int32_t> bad = parse_day("2023-02-29");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "\"2023-02-29\": day 29 out of range (2023-02 has 28 days)");
  bad = parse_day("2024-03-01T00:00:00Z");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "\"2024-03-01T00:00:00Z\": unexpected \"T00:00:00Z\" after the date");
  bad = parse_day("2024-1-01");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "\"2024-1-01\": expected a date YYYY-MM-DD");
  bad = parse_day("");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "empty date");
}

TEST(Zones, FindZone) {
  Result<const date::time_zone*> zone = find_zone("Europe/Amsterdam");
  ASSERT_TRUE(zone.ok()) << zone.error();
  EXPECT_EQ((*zone)->name(), "Europe/Amsterdam");
  Result<const date::time_zone*> utc = find_zone("UTC");
  ASSERT_TRUE(utc.ok()) << utc.error();

  Result<const date::time_zone*> bad = find_zone("Europe/Atlantis");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "unknown time zone \"Europe/Atlantis\"");
  bad = find_zone("");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "empty time zone name");
}

// Spring forward: 2024-03-31 02:00 CET -> 03:00 CEST (01:00Z).
TEST(LocalDay, SpringForward) {
  const date::time_zone* ams = amsterdam();
  const int32_t mar30 = day("2024-03-30");
  const int32_t mar31 = day("2024-03-31");
  const int32_t apr1 = day("2024-04-01");
  EXPECT_EQ(local_day(instant("2024-03-30T22:59:59.999Z"), ams), mar30);
  EXPECT_EQ(local_day(instant("2024-03-30T23:00:00Z"), ams), mar31);
  EXPECT_EQ(local_day(instant("2024-03-31T01:59:59Z"), ams), mar31);      // 03:59:59 CEST
  EXPECT_EQ(local_day(instant("2024-03-31T21:59:59.999Z"), ams), mar31);  // 23:59:59.999 CEST
  EXPECT_EQ(local_day(instant("2024-03-31T22:00:00Z"), ams), apr1);       // midnight CEST
  // The same instants in UTC.
  EXPECT_EQ(local_day(instant("2024-03-31T22:00:00Z"), nullptr), mar31);

  EXPECT_EQ(day_start_ms(mar31, ams), instant("2024-03-30T23:00:00Z"));
  EXPECT_EQ(day_start_ms(apr1, ams), instant("2024-03-31T22:00:00Z"));
  // The day the clock jumps is 23 hours long.
  EXPECT_EQ(day_start_ms(apr1, ams) - day_start_ms(mar31, ams), 23 * kHourMs);
  EXPECT_EQ(day_start_ms(mar31, nullptr), instant("2024-03-31T00:00:00Z"));
}

// Fall back: 2024-10-27 03:00 CEST -> 02:00 CET (01:00Z).
TEST(LocalDay, FallBack) {
  const date::time_zone* ams = amsterdam();
  const int32_t oct26 = day("2024-10-26");
  const int32_t oct27 = day("2024-10-27");
  const int32_t oct28 = day("2024-10-28");
  EXPECT_EQ(local_day(instant("2024-10-26T21:59:59.999Z"), ams), oct26);
  EXPECT_EQ(local_day(instant("2024-10-26T22:00:00Z"), ams), oct27);
  EXPECT_EQ(local_day(instant("2024-10-27T00:30:00Z"), ams), oct27);      // 02:30 CEST
  EXPECT_EQ(local_day(instant("2024-10-27T01:30:00Z"), ams), oct27);      // 02:30 CET
  EXPECT_EQ(local_day(instant("2024-10-27T22:59:59.999Z"), ams), oct27);  // 23:59:59.999 CET
  EXPECT_EQ(local_day(instant("2024-10-27T23:00:00Z"), ams), oct28);

  EXPECT_EQ(day_start_ms(oct27, ams), instant("2024-10-26T22:00:00Z"));
  EXPECT_EQ(day_start_ms(oct28, ams), instant("2024-10-27T23:00:00Z"));
  EXPECT_EQ(day_start_ms(oct28, ams) - day_start_ms(oct27, ams), 25 * kHourMs);
}

// Every day of a few years: its start is the first instant with that local day.
TEST(LocalDay, DayStartIsFirstInstantOfTheDay) {
  const date::time_zone* ams = amsterdam();
  for (int32_t d = day("2019-01-01"); d < day("2027-01-01"); ++d) {
    const int64_t start = day_start_ms(d, ams);
    ASSERT_EQ(local_day(start, ams), d) << format_day(d);
    ASSERT_EQ(local_day(start - 1, ams), d - 1) << format_day(d);
    ASSERT_EQ(instant(format_day(d)), start) << format_day(d);
  }
}

TEST(LocalTime, DstGapAndFoldTakeTheEarlierOffset) {
  // 02:30 does not exist on 2024-03-31; it is read on the clock before the
  // jump (+01:00), i.e. 03:30 CEST, and keeps its order with its neighbours.
  EXPECT_EQ(instant("2024-03-31T02:30:00"), instant("2024-03-31T01:30:00Z"));
  EXPECT_EQ(instant("2024-03-31T02:00:00"), instant("2024-03-31T01:00:00Z"));
  EXPECT_EQ(instant("2024-03-31T01:59:59"), instant("2024-03-31T00:59:59Z"));
  EXPECT_EQ(instant("2024-03-31T03:00:00"), instant("2024-03-31T01:00:00Z"));
  EXPECT_EQ(local_day(instant("2024-03-31T02:30:00"), amsterdam()), day("2024-03-31"));
  // 02:30 happens twice on 2024-10-27: the first one (+02:00) is taken.
  EXPECT_EQ(instant("2024-10-27T02:30:00"), instant("2024-10-27T00:30:00Z"));
  EXPECT_EQ(instant("2024-10-27T03:00:00"), instant("2024-10-27T02:00:00Z"));
  // Deterministic: the same text always gives the same instant.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(instant("2024-03-31T02:30:00"), 1'711'848'600'000);
  }
}

// The real WABO receipt log, kept in the repository (tests/data/PROVENANCE.md).
std::filesystem::path test_data_dir() {
  if (const char* src = std::getenv("KETENFLOW_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return std::filesystem::path(src) / "tests" / "data";
  }
  // <repo>/tests/unit/time_test.cc -> <repo>/tests/data
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data";
}

std::vector<std::string> split_csv_line(const std::string& line) {
  // The file has no quoted fields (checked below by the column count).
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

TEST(ParseInstant, EveryTimestampInReceiptCsv) {
  const std::filesystem::path path = test_data_dir() / "receipt.csv";
  ASSERT_TRUE(std::filesystem::is_regular_file(path)) << path << " is missing";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;

  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const std::vector<std::string> header = split_csv_line(line);
  std::vector<size_t> time_columns;  // time:timestamp and the case:* dates
  size_t timestamp_column = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "time:timestamp") timestamp_column = i;
    if (header[i] == "time:timestamp" || header[i] == "case:deadline" ||
        header[i] == "case:enddate" || header[i] == "case:enddate_planned" ||
        header[i] == "case:startdate") {
      time_columns.push_back(i);
    }
  }
  ASSERT_LT(timestamp_column, header.size());

  const date::time_zone* ams = amsterdam();
  size_t rows = 0, parsed = 0;
  int64_t first = INT64_MAX, last = INT64_MIN;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++rows;
    const std::vector<std::string> fields = split_csv_line(line);
    ASSERT_EQ(fields.size(), header.size()) << "line " << rows + 1;
    ASSERT_FALSE(fields[timestamp_column].empty()) << "line " << rows + 1;
    for (size_t column : time_columns) {
      const std::string& text = fields[column];
      if (text.empty()) continue;                         // case:enddate is often empty
      Result<int64_t> ms = parse_instant(text, nullptr);  // every value has an offset
      ASSERT_TRUE(ms.ok()) << "line " << rows + 1 << ": " << ms.error();
      ++parsed;
      // The log was exported in Dutch local time, so the offset in the text is
      // Amsterdam's and the local day is the date written in the text.
      EXPECT_EQ(local_day(*ms, ams), day(text.substr(0, 10))) << text;
      // Microseconds are truncated to milliseconds.
      EXPECT_EQ(instant(format_instant(*ms)), *ms);
      if (column == timestamp_column) {
        first = std::min(first, *ms);
        last = std::max(last, *ms);
      }
    }
  }
  EXPECT_EQ(rows, 8577u);
  EXPECT_GE(parsed, 4 * rows);
  EXPECT_EQ(format_instant(first), "2010-10-02T07:20:39.266Z");
  EXPECT_EQ(format_instant(last), "2012-01-23T14:42:54.644Z");
}

}  // namespace
}  // namespace ketenflow::model
