// As-of reports (`ketenflow kpi --as-of`): a report made between two ingests
// is reproduced byte for byte after late events, a correction and a
// withdrawal arrived; as of now it is the live report.
#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace {

namespace it = ketenflow::it;
using it::Ok;
using it::SameText;
using nlohmann::json;

// The instant now as RFC 3339 UTC with milliseconds.
std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(text, n) + millis;
}

// The kpi views compared: json and csv, total and by month.
const std::vector<std::pair<std::string, std::vector<std::string>>> kViews = {
    {"json", {"--format", "json"}},
    {"json by month", {"--format", "json", "--by", "month"}},
    {"csv", {"--format", "csv"}},
    {"csv by month", {"--format", "csv", "--by", "month"}},
};

std::map<std::string, std::string> views(const std::string& data,
                                         const std::vector<std::string>& extra = {}) {
  std::map<std::string, std::string> out;
  for (const auto& [name, args] : kViews) {
    std::vector<std::string> all = args;
    all.insert(all.end(), extra.begin(), extra.end());
    const it::RunResult r = it::kpi(data, "wonen-eerst", all);
    EXPECT_TRUE(Ok(r)) << name;
    out[name] = r.out;
  }
  return out;
}

// `text` without its top-level "asOf" line (the JSON stays valid); `as_of`
// gets the value ("" in a live report). Text without one (CSV) is returned
// unchanged.
std::string without_as_of(const std::string& text, std::string* as_of) {
  std::vector<std::string> lines = it::split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t at = lines[i].find("\"asOf\": \"");
    // Top level: protobuf's pretty JSON indents by one space per level.
    if (at != 1) continue;
    const size_t start = at + 9;
    *as_of = lines[i].substr(start, lines[i].find('"', start) - start);
    const bool last = lines[i].back() != ',';
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
    if (last && i > 0 && lines[i - 1].back() == ',') lines[i - 1].pop_back();
    break;
  }
  return it::join_lines(lines);
}

uint64_t case_count(const std::string& kpi_json) {
  return json::parse(kpi_json).at("caseDuration").at("count").get<uint64_t>();
}

TEST(AsOf, ReportBetweenIngestsIsReproducedAfterLateEventsAndCorrections) {
  it::TempDir tmp;
  const std::string sim = tmp / "sim.ndjson";
  ASSERT_TRUE(Ok(it::simulate(sim, 400, 5)));

  // File A: all events except those of every 10th client (late altogether)
  // and the last event of every 7th client (late). File B: those, plus a
  // correction of an event of A and a withdrawal of another one.
  std::map<std::string, size_t> client_index;
  std::map<std::string, size_t> last_line;  // client -> its last line
  const std::vector<std::string> lines = it::split_lines(it::read_file(sim));
  std::vector<json> events;
  for (size_t i = 0; i < lines.size(); ++i) {
    events.push_back(json::parse(lines[i]));
    const std::string client = events.back().at("clientRef");
    client_index.emplace(client, client_index.size());
    last_line[client] = i;
  }
  ASSERT_EQ(client_index.size(), 400u);
  std::vector<std::string> a, b;
  std::set<std::string> clients_a;
  std::vector<json> in_a;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string client = events[i].at("clientRef");
    const size_t index = client_index[client];
    const bool late = index % 10 == 0 || (index % 7 == 3 && last_line[client] == i);
    (late ? b : a).push_back(lines[i]);
    if (!late) {
      clients_a.insert(client);
      in_a.push_back(events[i]);
    }
  }
  ASSERT_EQ(clients_a.size(), 360u);
  ASSERT_GT(in_a.size(), 100u);
  // The correction moves A's 50th event to the time of A's 51st; the
  // withdrawal takes A's 80th event out.
  json correction = in_a[50];
  correction["eventId"] = in_a[50].at("eventId").get<std::string>() + "-fix";
  correction["correctsEventId"] = in_a[50].at("eventId");
  correction["occurredAt"] = in_a[51].at("occurredAt");
  correction["recordedAt"] = "2026-07-15T00:00:00Z";
  b.push_back(correction.dump());
  json withdrawal = {{"eventId", in_a[80].at("eventId").get<std::string>() + "-weg"},
                     {"chainId", "wonen-eerst"},
                     {"clientRef", in_a[80].at("clientRef")},
                     {"partnerId", in_a[80].at("partnerId")},
                     {"correctsEventId", in_a[80].at("eventId")},
                     {"retracted", true},
                     {"recordedAt", "2026-07-15T00:00:00Z"}};
  b.push_back(withdrawal.dump());
  it::write_file(tmp / "a.ndjson", it::join_lines(a));
  it::write_file(tmp / "b.ndjson", it::join_lines(b));

  const std::string data = tmp / "store";
  const auto ingest = [&](const std::string& file) {
    return it::ketenflow(
        {"ingest", "--data", data, "--chains", it::wonen_eerst(), "--quiet", file});
  };
  ASSERT_TRUE(Ok(ingest(tmp / "a.ndjson")));
  const auto first = views(data);
  // Every event of A was stored at or before `between`, every event of B
  // after it (the engine's clock has millisecond resolution).
  const std::string between = now_rfc3339();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const it::RunResult rb = ingest(tmp / "b.ndjson");
  ASSERT_TRUE(Ok(rb));
  const it::Counts counts = it::parse_counts(rb.out);
  EXPECT_EQ(counts.accepted, b.size());
  EXPECT_EQ(counts.rejected, 0u) << rb.describe();
  const auto current = views(data);
  EXPECT_NE(first.at("json"), current.at("json"));
  EXPECT_NE(first.at("csv by month"), current.at("csv by month"));
  // Hand count: a case per client with an event — 360 then, 400 now.
  EXPECT_EQ(case_count(first.at("json")), 360u);
  EXPECT_EQ(case_count(current.at("json")), 400u);

  // As of `between`: the first report again, byte for byte but for the
  // line naming the as-of instant (empty in a live report).
  const auto then = views(data, {"--as-of", between});
  for (const auto& [name, text] : first) {
    std::string live_as_of = "-", as_of;
    const std::string want = without_as_of(text, &live_as_of);
    EXPECT_TRUE(SameText("as of between, kpi " + name, want, without_as_of(then.at(name), &as_of)));
    if (name.starts_with("json")) {
      EXPECT_EQ(live_as_of, "") << name;
      EXPECT_EQ(as_of, between) << name;
    }
  }
  // As of now: the live report.
  const std::string now = now_rfc3339();
  const auto live = views(data, {"--as-of", now});
  for (const auto& [name, text] : current) {
    std::string ignored;
    EXPECT_TRUE(SameText("as of now, kpi " + name, without_as_of(text, &ignored),
                         without_as_of(live.at(name), &ignored)));
  }

  // The table says which instant it shows.
  const it::RunResult table = it::kpi(data, "wonen-eerst", {"--as-of", between});
  ASSERT_TRUE(Ok(table));
  EXPECT_NE(table.out.find("as of " + between), std::string::npos) << table.out;
}

TEST(AsOf, BadTimestampIsRefusedWithTheOptionNamed) {
  it::TempDir tmp;
  const std::string sim = tmp / "sim.ndjson";
  ASSERT_TRUE(Ok(it::simulate(sim, 5, 1)));
  ASSERT_TRUE(Ok(it::ketenflow(
      {"ingest", "--data", tmp / "store", "--chains", it::wonen_eerst(), "--quiet", sim})));
  for (const std::string bad : {"2024-13-01T00:00:00Z", "gisteren", "2024-03-01T25:00:00Z"}) {
    const it::RunResult r = it::kpi(tmp / "store", "wonen-eerst", {"--as-of", bad});
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.signal, 0) << r.describe();
    EXPECT_NE(r.err.find("--as-of"), std::string::npos) << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.describe();
  }
}

}  // namespace
