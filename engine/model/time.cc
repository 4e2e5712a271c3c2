// Instants, calendar days and time zones (see time.h).
//
// parse_instant sits on the CSV/NDJSON ingest hot path, so it is a hand-written
// scanner over the characters: no regex, no iostreams, no allocation on
// success. Calendar arithmetic is date's days_from_civil (date::sys_days of a
// date::year_month_day); zone offsets come from date::time_zone::get_info.
#include "model/time.h"

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

#include <date/date.h>
#include <date/tz.h>

namespace ketenflow::model {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kSecondsPerDay = 86'400;
static_assert(kMsPerDay == kSecondsPerDay * kMsPerSecond);
// Longest piece of input quoted back in an error message.
constexpr size_t kMaxQuoted = 64;

// Division and remainder rounding towards negative infinity, so instants
// before 1970 land on the right day and millisecond.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// `"text"`, shortened when the input is long (a whole garbage CSV line, say).
std::string quoted(std::string_view text) {
  std::string out = "\"";
  if (text.size() > kMaxQuoted) {
    out.append(text.substr(0, kMaxQuoted));
    out.append("...");
  } else {
    out.append(text);
  }
  out.push_back('"');
  return out;
}

Error parse_error(std::string_view text, std::string_view what) {
  return Error{quoted(text) + ": " + std::string(what)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` ASCII digits at `pos` into `out`; false if any is missing.
bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Days since 1970-01-01 of a validated civil date (date's days_from_civil).
int64_t days_from_civil(int y, int m, int d) {
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                 date::day{static_cast<unsigned>(d)}};
  return date::sys_days{ymd}.time_since_epoch().count();
}

struct Civil {
  int64_t year;
  int month;
  int day;
};

// Inverse of days_from_civil for any int64 day count (H. Hinnant's
// civil_from_days in 64-bit arithmetic, so formatting never overflows, unlike
// date::year_month_day whose day count is an int).
Civil civil_from_days(int64_t z) {
  z += 719'468;
  const int64_t era = floor_div(z, 146'097);
  const int64_t doe = z - era * 146'097;                                        // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                       // [0, 11]
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);               // [1, 31]
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);                // [1, 12]
  return Civil{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Appends `v` zero-padded to `width` digits (a '-' sign comes first).
void append_padded(std::string& out, int64_t v, int width) {
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}

void append_date(std::string& out, int64_t days) {
  const Civil c = civil_from_days(days);
  append_padded(out, c.year, 4);
  out.push_back('-');
  append_padded(out, c.month, 2);
  out.push_back('-');
  append_padded(out, c.day, 2);
}

// Parses "YYYY-MM-DD" at the start of `text` into a day number. `text` is the
// whole input (quoted in errors); the date must be followed by the end or by
// something the caller checks.
Result<int32_t> parse_date_prefix(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (!read_digits(text, 0, 4, y) || text.size() < 5 || text[4] != '-' ||
      !read_digits(text, 5, 2, m) || text.size() < 8 || text[7] != '-' ||
      !read_digits(text, 8, 2, d)) {
    return parse_error(text, "expected a date YYYY-MM-DD");
  }
  if (m < 1 || m > 12) {
    return parse_error(text, "month " + std::to_string(m) + " out of range");
  }
  const date::year_month_day_last month_end{
      date::year{y}, date::month_day_last{date::month{static_cast<unsigned>(m)}}};
  const unsigned last = static_cast<unsigned>(month_end.day());
  if (d < 1 || static_cast<unsigned>(d) > last) {
    std::string what = "day " + std::to_string(d) + " out of range (";
    append_padded(what, y, 4);
    what.push_back('-');
    append_padded(what, m, 2);
    what += " has " + std::to_string(last) + " days)";
    return parse_error(text, what);
  }
  return static_cast<int32_t>(days_from_civil(y, m, d));
}

// The offset (UTC - local is -offset) a zone applies to a local time. A local
// time in a DST gap or fold takes the earlier offset (the one in force before
// the transition), as the contract in time.h says: 02:30 on the night clocks
// go forward is read as 02:30 on the old clock (03:30 on the new one), and
// distinct local times keep distinct, ordered instants.
std::chrono::seconds local_offset(const date::time_zone* zone, int64_t local_seconds) {
  const date::local_info info =
      zone->get_info(date::local_seconds{std::chrono::seconds{local_seconds}});
  return info.first.offset;
}

}  // namespace

int64_t to_ms(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * kMsPerSecond + floor_div(ts.nanos(), 1'000'000);
}

google::protobuf::Timestamp from_ms(int64_t ms) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(floor_div(ms, kMsPerSecond));
  ts.set_nanos(static_cast<int32_t>(floor_mod(ms, kMsPerSecond) * 1'000'000));
  return ts;
}

Result<int64_t> parse_instant(std::string_view text, const date::time_zone* zone, bool* local) {
  if (local != nullptr) *local = false;
  if (text.empty()) return Error{"empty timestamp"};
  Result<int32_t> day = parse_date_prefix(text);
  if (!day.ok()) return Error{day.error()};
  size_t pos = 10;

  // A bare date is the start of that local day.
  if (pos == text.size()) {
    if (zone == nullptr) return parse_error(text, "a date without offset needs a time zone");
    if (local != nullptr) *local = true;
    return day_start_ms(*day, zone);
  }

  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
    return parse_error(
        text, std::string("expected 'T' or ' ' after the date, found '") + text[pos] + "'");
  }
  ++pos;

  int hh = 0, mm = 0, ss = 0;
  if (!read_digits(text, pos, 2, hh) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !read_digits(text, pos + 3, 2, mm) || pos + 5 >= text.size() || text[pos + 5] != ':' ||
      !read_digits(text, pos + 6, 2, ss)) {
    return parse_error(text, "expected a time hh:mm:ss after the date");
  }
  pos += 8;
  if (hh > 23) return parse_error(text, "hour " + std::to_string(hh) + " out of range");
  if (mm > 59) return parse_error(text, "minute " + std::to_string(mm) + " out of range");
  if (ss > 59) return parse_error(text, "second " + std::to_string(ss) + " out of range");

  // Fraction: any number of digits, truncated to milliseconds.
  int64_t frac_ms = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (pos - start < 3) frac_ms = frac_ms * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return parse_error(text, "expected digits after the decimal point");
    for (size_t n = pos - start; n < 3; ++n) frac_ms *= 10;
  }

  const int64_t local_seconds = int64_t{*day} * kSecondsPerDay + hh * 3600 + mm * 60 + ss;

  // No offset: local time in `zone`.
  if (pos == text.size()) {
    if (zone == nullptr) return parse_error(text, "a time without offset needs a time zone");
    if (local != nullptr) *local = true;
    const int64_t utc_seconds = local_seconds - local_offset(zone, local_seconds).count();
    return utc_seconds * kMsPerSecond + frac_ms;
  }

  int64_t offset_seconds = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const bool negative = text[pos] == '-';
    int oh = 0, om = 0;
    size_t p = pos + 1;
    bool ok = read_digits(text, p, 2, oh);
    p += 2;
    if (ok && p < text.size() && text[p] == ':') ++p;
    ok = ok && read_digits(text, p, 2, om);
    if (!ok) return parse_error(text, "expected an offset like +01:00, +0100 or Z");
    if (oh > 23) return parse_error(text, "offset hour " + std::to_string(oh) + " out of range");
    if (om > 59) {
      return parse_error(text, "offset minute " + std::to_string(om) + " out of range");
    }
    offset_seconds = (oh * 3600 + om * 60) * (negative ? -1 : 1);
    pos = p + 2;
  } else {
    return parse_error(
        text, std::string("expected an offset like +01:00, +0100 or Z, found '") + text[pos] + "'");
  }
  if (pos != text.size()) {
    return parse_error(text, "unexpected " + quoted(text.substr(pos)) + " after the timestamp");
  }
  return (local_seconds - offset_seconds) * kMsPerSecond + frac_ms;
}

std::string format_instant(int64_t ms) {
  const int64_t days = floor_div(ms, kMsPerDay);
  const int64_t ms_of_day = ms - days * kMsPerDay;
  std::string out;
  out.reserve(24);
  append_date(out, days);
  out.push_back('T');
  append_padded(out, ms_of_day / 3'600'000, 2);
  out.push_back(':');
  append_padded(out, ms_of_day / 60'000 % 60, 2);
  out.push_back(':');
  append_padded(out, ms_of_day / 1000 % 60, 2);
  if (ms_of_day % 1000 != 0) {
    out.push_back('.');
    append_padded(out, ms_of_day % 1000, 3);
  }
  out.push_back('Z');
  return out;
}

int32_t local_day(int64_t ms, const date::time_zone* zone) {
  int64_t local_ms = ms;
  if (zone != nullptr) {
    const date::sys_seconds t{std::chrono::seconds{floor_div(ms, kMsPerSecond)}};
    local_ms += zone->get_info(t).offset.count() * kMsPerSecond;
  }
  return static_cast<int32_t>(floor_div(local_ms, kMsPerDay));
}

int64_t day_start_ms(int32_t day, const date::time_zone* zone) {
  const int64_t midnight = int64_t{day} * kSecondsPerDay;
  if (zone == nullptr) return midnight * kMsPerSecond;
  const date::local_info info = zone->get_info(date::local_seconds{std::chrono::seconds{midnight}});
  // Midnight skipped by a DST jump: the day starts when the jump happens.
  if (info.result == date::local_info::nonexistent) {
    return info.first.end.time_since_epoch().count() * kMsPerSecond;
  }
  // Midnight that happens twice: the day starts at the first one.
  return (midnight - info.first.offset.count()) * kMsPerSecond;
}

Result<int32_t> parse_day(std::string_view text) {
  if (text.empty()) return Error{"empty date"};
  Result<int32_t> day = parse_date_prefix(text);
  if (!day.ok()) return day;
  if (text.size() != 10) {
    return parse_error(text, "unexpected " + quoted(text.substr(10)) + " after the date");
  }
  return day;
}

std::string format_day(int32_t day) {
  std::string out;
  out.reserve(10);
  append_date(out, day);
  return out;
}

std::string zone_name(const date::time_zone* zone) {
  return zone == nullptr ? "UTC" : std::string(zone->name());
}

Result<const date::time_zone*> find_zone(std::string_view name) {
  if (name.empty()) return Error{"empty time zone name"};
  const std::string what = "unknown time zone " + quoted(name);
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error& e) {
    // date says "X not found in timezone database"; anything else (no tz
    // database on this machine at all) is worth passing on.
    const std::string detail = e.what();
    if (detail.find("not found") != std::string::npos) return Error{what};
    return Error{what + " (" + detail + ")"};
  } catch (const std::exception& e) {
    return Error{what + " (" + e.what() + ")"};
  }
}

}  // namespace ketenflow::model
