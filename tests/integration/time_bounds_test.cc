// Bounded event times through the binary: an event dated after 2100 or more
// than a day after the moment of ingest is rejected (occurred_in_future);
// one an hour ahead (a partner's clock running fast) is accepted.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "model/time.h"

namespace ketenflow {
namespace {

using it::Ok;
using nlohmann::json;

std::string line(const std::string& id, const std::string& client, const std::string& occurred) {
  return json{{"eventId", id},        {"chainId", "wonen-eerst"},         {"clientRef", client},
              {"type", "aanmelding"}, {"partnerId", "gemeente-denbosch"}, {"occurredAt", occurred}}
      .dump();
}

TEST(TimeBounds, EventsDatedFarOrMoreThanADayAheadAreRejectedAnHourAheadAccepted) {
  it::TempDir tmp;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  constexpr int64_t kHourMs = 3'600'000;
  it::write_file(tmp / "future.ndjson",
                 it::join_lines({
                     line("far", "c-far", "9999-12-31T00:00:00Z"),
                     line("two-days", "c-two-days", model::format_instant(now_ms + 48 * kHourMs)),
                     line("hour", "c-hour", model::format_instant(now_ms + kHourMs)),
                 }));
  const it::RunResult in = it::ketenflow({"ingest", "--data", tmp / "store", "--chains",
                                          it::wonen_eerst(), "--quiet", tmp / "future.ndjson"});
  ASSERT_TRUE(Ok(in));
  const it::Counts c = it::parse_counts(in.out);
  EXPECT_EQ(c.accepted, 1u) << in.out;
  EXPECT_EQ(c.by_code, (std::map<std::string, uint64_t>{{"occurred_in_future", 2}})) << in.out;

  const it::RunResult rj = it::ketenflow(
      {"rejects", "--data", tmp / "store", "--code", "occurred_in_future", "--format", "json"});
  ASSERT_TRUE(Ok(rj));
  const auto lines = it::split_lines(rj.out);
  ASSERT_EQ(lines.size(), 2u) << rj.out;
  EXPECT_EQ(json::parse(lines[0]).value("position", ""), "line 1");
  EXPECT_NE(json::parse(lines[0]).value("reason", "").find("2100"), std::string::npos) << lines[0];
  EXPECT_EQ(json::parse(lines[1]).value("position", ""), "line 2");
  EXPECT_NE(json::parse(lines[1]).value("reason", "").find("moment of ingest"), std::string::npos)
      << lines[1];
}

}  // namespace
}  // namespace ketenflow
