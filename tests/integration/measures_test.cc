// Chain measures through the real binary: a small chain file with one measure
// of each kind, hand-made events, `ketenflow kpi --view completion|cohort`,
// a withdrawal that moves a client out of two measures, and `ketenflow goals`.
// Expected values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <map>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "tests/measures_fixture.h"

namespace ketenflow {
namespace {

using it::Ok;
using nlohmann::json;

const std::string kChain = std::string(R"(id: meetketen
name: Meetketen
partners:
  - {id: gemeente, name: Gemeente}
  - {id: opvang, name: Opvang}
  - {id: corporatie, name: Corporatie}
  - {id: begeleiding, name: Begeleiding}
stages:
  - {id: aanmelding, owner: gemeente}
  - {id: opvang, owner: opvang}
  - {id: woning, owner: corporatie}
  - {id: wonen, owner: begeleiding}
milestones:
  - {id: aangemeld, stage: aanmelding, partners: [gemeente]}
  - {id: intake, stage: opvang, partners: [opvang]}
  - {id: geplaatst, stage: opvang, partners: [opvang]}
  - {id: woning_toegewezen, stage: woning, partners: [corporatie]}
  - {id: gehuisvest, stage: wonen, partners: [begeleiding], terminal: true}
)") + fixtures::kMeasuresYaml;

std::string event(const std::string& id, const std::string& client, const std::string& type,
                  const std::string& partner, const std::string& at,
                  const std::string& extra = "") {
  return R"({"eventId":")" + id + R"(","chainId":"meetketen","clientRef":")" + client +
         R"(","type":")" + type + R"(","partnerId":")" + partner + R"(","occurredAt":")" + at +
         R"(","recordedAt":")" + at + "\"" + extra + "}\n";
}

// Client a: aangemeld Mon 4 March 2024, intake the next day, woning 20 March,
// gehuisvest 25 March (21 days). Client b (urgent): aangemeld Thu 28 March,
// intake Tue 2 April: 5 calendar days, but 2 working days (Easter Monday).
std::string events() {
  return event("a1", "k-a", "aangemeld", "gemeente", "2024-03-04T09:00:00Z") +
         event("a2", "k-a", "intake", "opvang", "2024-03-05T09:00:00Z") +
         event("a3", "k-a", "woning_toegewezen", "corporatie", "2024-03-20T09:00:00Z") +
         event("a4", "k-a", "gehuisvest", "begeleiding", "2024-03-25T09:00:00Z") +
         event("b1", "k-b", "aangemeld", "gemeente", "2024-03-28T09:00:00Z",
               R"(,"attributes":{"urgent":"true","gemeente":"oss"})") +
         event("b2", "k-b", "intake", "opvang", "2024-04-02T09:00:00Z");
}

json measure(const json& report, const std::string& id) {
  for (const json& m : report.at("measures")) {
    if (m.at("measure") == id) return m;
  }
  ADD_FAILURE() << "no measure " << id << " in " << report.dump();
  return json::object();
}

class MeasuresCli : public ::testing::Test {
 protected:
  void SetUp() override {
    it::write_file(tmp_ / "meetketen.yaml", kChain);
    it::write_file(tmp_ / "events.ndjson", events());
    ASSERT_TRUE(Ok(ingest(tmp_ / "events.ndjson")));
  }
  it::RunResult ingest(const std::string& file) {
    return it::ketenflow(
        {"ingest", "--data", tmp_ / "db", "--chains", tmp_ / "meetketen.yaml", "--quiet", file});
  }
  json kpis(const std::vector<std::string>& extra) {
    const it::RunResult r = it::kpi(tmp_ / "db", "meetketen", extra);
    EXPECT_TRUE(Ok(r));
    return json::parse(r.out);
  }
  it::TempDir tmp_;
};

TEST_F(MeasuresCli, CompletionViewOverAprilAndAfterAWithdrawal) {
  const std::vector<std::string> args = {"--from",  "2024-03-01", "--to",     "2024-05-01",
                                         "--today", "2024-04-15", "--format", "json"};
  json report = kpis(args);
  EXPECT_EQ(report.at("view"), "completion");
  EXPECT_EQ(report.at("today"), "2024-04-15");
  json dur = measure(report, "dur");
  EXPECT_EQ(dur.at("clients"), 1);  // a: 21 days, within 30
  EXPECT_EQ(dur.at("met"), 1);
  EXPECT_EQ(dur.at("duration").at("meanSeconds"), 21 * 86400.0);
  EXPECT_EQ(dur.at("open"), 1);     // b
  EXPECT_EQ(dur.at("overdue"), 0);  // b's norm runs to 27 April
  EXPECT_EQ(dur.at("target"), 0.8);
  EXPECT_EQ(measure(report, "binnen").at("clients"), 2);  // a met, b failed on 30 March
  EXPECT_EQ(measure(report, "binnen").at("met"), 1);
  EXPECT_EQ(measure(report, "binnen").at("share"), 0.5);
  EXPECT_EQ(measure(report, "zonder").at("clients"), 0);  // decided 25 March 2025
  EXPECT_EQ(measure(report, "alles").at("met"), 1);
  EXPECT_EQ(measure(report, "alles").at("open"), 1);
  EXPECT_EQ(measure(report, "spoed").at("clients"), 1);
  EXPECT_EQ(measure(report, "spoed").at("met"), 1);
  EXPECT_EQ(measure(report, "spoed").at("partner"), "opvang");

  // a's intake is withdrawn: a fails `binnen` and `alles`.
  it::write_file(tmp_ / "withdraw.ndjson",
                 event("a6", "k-a", "intake", "opvang", "2024-03-05T09:00:00Z",
                       R"(,"correctsEventId":"a2","retracted":true)"));
  ASSERT_TRUE(Ok(ingest(tmp_ / "withdraw.ndjson")));
  report = kpis(args);
  EXPECT_EQ(measure(report, "binnen").at("clients"), 2);
  EXPECT_EQ(measure(report, "binnen").at("met"), 0);
  EXPECT_EQ(measure(report, "alles").at("clients"), 1);
  EXPECT_EQ(measure(report, "alles").at("met"), 0);

  // The table and CSV show the measures too.
  const it::RunResult csv = it::kpi(
      tmp_ / "db", "meetketen",
      {"--from", "2024-03-01", "--to", "2024-05-01", "--today", "2024-04-15", "--format", "csv"});
  ASSERT_TRUE(Ok(csv));
  const auto rows = it::csv_rows(csv.out);
  ASSERT_FALSE(rows.empty());
  std::map<std::string, std::string> dur_row;
  for (size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c) row[rows[0][c]] = rows[r][c];
    if (row["kind"] == "measure" && row["period"] == "total" && row["measure"] == "dur")
      dur_row = row;
  }
  ASSERT_FALSE(dur_row.empty()) << csv.out;
  for (const auto& [column, value] :
       std::map<std::string, std::string>{{"measure_kind", "duration"},
                                          {"count", "1"},
                                          {"norm_days", "30"},
                                          {"met", "1"},
                                          {"share", "1"},
                                          {"view", "completion"},
                                          {"clients", "1"},
                                          {"open", "1"},
                                          {"overdue", "0"},
                                          {"provisional", "false"},
                                          {"pending", "0"},
                                          {"target", "0.8"},
                                          {"suppressed", ""}}) {
    EXPECT_EQ(dur_row[column], value) << column << "\n" << csv.out;
  }
  const it::RunResult table = it::kpi(tmp_ / "db", "meetketen", {"--today", "2024-04-15"});
  ASSERT_TRUE(Ok(table));
  EXPECT_NE(table.out.find("Measures (completion view)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Aanmelding tot gehuisvest"), std::string::npos) << table.out;
}

TEST_F(MeasuresCli, CohortViewIsProvisionalWhileWindowsRun) {
  json report = kpis({"--from", "2024-03-01", "--to", "2024-04-01", "--today", "2024-03-29",
                      "--view", "cohort", "--format", "json"});
  EXPECT_EQ(report.at("view"), "cohort");
  const json binnen = measure(report, "binnen");
  EXPECT_EQ(binnen.at("clients"), 2);
  EXPECT_EQ(binnen.at("met"), 1);
  EXPECT_EQ(binnen.at("pending"), 1);  // b's window runs to 30 March
  EXPECT_EQ(binnen.at("provisional"), true);
  EXPECT_EQ(measure(report, "dur").at("clients"), 2);
  EXPECT_EQ(measure(report, "zonder").at("pending"), 1);

  report = kpis({"--from", "2024-03-01", "--to", "2024-04-01", "--today", "2026-01-01", "--view",
                 "cohort", "--format", "json"});
  EXPECT_EQ(measure(report, "binnen").at("provisional"), false);
  EXPECT_EQ(measure(report, "zonder").at("provisional"), false);
  EXPECT_EQ(measure(report, "dur").at("overdue"), 1);
}

TEST_F(MeasuresCli, GoalTreeWithTrend) {
  const it::RunResult r =
      it::ketenflow({"goals", "--data", tmp_ / "db", "--chain", "meetketen", "--from", "2024-03-15",
                     "--to", "2024-04-15", "--today", "2024-04-15", "--format", "json"});
  ASSERT_TRUE(Ok(r));
  const json tree = json::parse(r.out);
  EXPECT_EQ(tree.at("previousFrom"), "2024-02-13");
  EXPECT_EQ(tree.at("previousTo"), "2024-03-15");
  const json& binnen = tree.at("goals").at(0).at("measures").at(1);
  EXPECT_EQ(binnen.at("current").at("share"), 0.0);   // b failed on 30 March
  EXPECT_EQ(binnen.at("previous").at("share"), 1.0);  // a met on 5 March
  EXPECT_EQ(binnen.at("trend"), -1.0);
  EXPECT_EQ(binnen.at("contributions").at(0).at("current").at("measure"), "spoed");

  const it::RunResult table =
      it::ketenflow({"goals", "--data", tmp_ / "db", "--chain", "meetketen", "--from", "2024-03-15",
                     "--to", "2024-04-15", "--today", "2024-04-15"});
  ASSERT_TRUE(Ok(table));
  EXPECT_NE(table.out.find("Snel thuis"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("-100.0 pt"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace ketenflow
