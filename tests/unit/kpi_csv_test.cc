// The tidy KPI table and the CSV writer under it (query/kpi_csv.h,
// query/csv_table.h).
#include "query/kpi_csv.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/chain_file.h"
#include "test_support.h"

namespace ketenflow::query {
namespace {

using Json = nlohmann::ordered_json;

std::vector<std::string> cells_of(const std::string& line) {
  // No quoted separators in these tests' data.
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// Rows of a CSV as column -> cell maps.
std::vector<std::map<std::string, std::string>> parse(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  const auto header = cells_of(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto cells = cells_of(line);
    EXPECT_EQ(cells.size(), header.size()) << line;
    auto& row = rows.emplace_back();
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
  }
  return rows;
}

TEST(CsvTable, ACellHiddenFromTheCallerIsEmptyAndNamedInSuppressed) {
  const JsonRows exact = {{{"kind", "stage"}, {"count", 4}, {"mean", 1.5}, {"wip", 20}},
                          {{"kind", "stage"}, {"count", 30}, {"mean", 2.5}, {"wip", 3}}};
  const JsonRows shown = {{{"kind", "stage"}, {"count", "<10"}, {"wip", 20}},
                          {{"kind", "stage"}, {"count", 30}, {"mean", 2.5}, {"wip", "x"}}};
  const auto rows = parse(csv_table(shown, &exact));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("count"), "");
  EXPECT_EQ(rows[0].at("mean"), "");
  EXPECT_EQ(rows[0].at("wip"), "20");
  EXPECT_EQ(rows[0].at("suppressed"), "count<10 mean");
  EXPECT_EQ(rows[1].at("count"), "30");
  EXPECT_EQ(rows[1].at("wip"), "");
  EXPECT_EQ(rows[1].at("suppressed"), "wip");
}

TEST(CsvTable, AColumnHiddenInEveryRowIsStillThere) {
  const JsonRows exact = {{{"kind", "stage"}, {"share", 0.5}}};
  const JsonRows shown = {{{"kind", "stage"}}};
  EXPECT_EQ(csv_table(shown, &exact), "kind,share,suppressed\nstage,,share\n");
}

TEST(CsvTable, NullNamesAColumnAndNestedObjectsAreFlattened) {
  const JsonRows rows = {{{"kind", "a"}, {"norm", nullptr}, {"d", {{"count", 2}}}},
                         {{"kind", "b"}, {"norm", 3}, {"d", {{"count", 1}}}, {"late", true}}};
  EXPECT_EQ(csv_table(rows), "kind,norm,d.count,late,suppressed\na,,2,,\nb,3,1,true,\n");
}

class KpiCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = model::parse_chain_yaml(ketenflow::testing::kTestChainYaml, "test.yaml");
    ASSERT_TRUE(chain) << chain.error();
    chain_ = *chain;
    report_.set_chain_id("test-keten");
    report_.set_from("2024-01-01");
    report_.set_to("2024-03-01");
    report_.set_by("month");
    fill(report_, 2);
    for (const char* month : {"2024-01", "2024-02"}) {
      v1::KpiReport* period = report_.add_periods();
      period->set_period(month);
      period->set_from(std::string(month) + "-01");
      period->set_to(month == std::string("2024-01") ? "2024-02-01" : "2024-03-01");
      fill(*period, 1);
    }
  }

  static void fill(v1::KpiReport& r, uint32_t n) {
    auto* s = r.add_stages();
    s->set_stage("opvang");
    s->set_name("Opvang");
    s->set_entries(3 * n);
    s->set_exits(2 * n);
    s->set_wip(n);
    s->mutable_duration()->set_count(2 * n);
    s->mutable_duration()->set_mean_seconds(86400.0 * 3);
    s->mutable_duration()->set_p50_seconds(43200);
    auto* t = r.add_transitions();
    t->set_from("aanmelding");
    t->set_to("opvang");
    t->set_count(n);
    t->mutable_delay()->set_count(n);
    t->mutable_delay()->set_mean_seconds(3600);
    t->mutable_norm()->set_days(1);
    t->mutable_norm()->set_within(n);
    t->mutable_norm()->set_share(1);
    auto* h = r.add_partner_handovers();
    h->set_from_partner("gemeente");
    h->set_to_partner("opvang");
    h->set_count(n);
    auto* m = r.add_measures();
    m->set_measure("snel");
    m->set_name("Snel opgevangen");
    m->set_kind("within");
    m->set_partner("opvang");
    m->set_clients(4 * n);
    m->set_met(3 * n);
    m->set_share(0.75);
    m->set_norm_days(14);
    m->set_target(0.8);
    r.mutable_case_duration()->set_count(n);
    r.mutable_lead_time()->set_count(n);
  }

  model::ChainModel chain_;
  v1::KpiReport report_;
};

TEST_F(KpiCsvTest, TheWholeReportComesFirstThenEachPeriodWithItsDays) {
  const auto rows = parse(kpi_csv(report_, &chain_));
  // stage, transition, handover, measure, case duration, lead time per report.
  ASSERT_EQ(rows.size(), 18u);
  EXPECT_EQ(rows[0].at("period"), "total");
  EXPECT_EQ(rows[0].at("period_start"), "2024-01-01");
  EXPECT_EQ(rows[0].at("period_end"), "2024-03-01");
  EXPECT_EQ(rows[6].at("period"), "2024-01");
  EXPECT_EQ(rows[6].at("period_end"), "2024-02-01");
  EXPECT_EQ(rows[17].at("kind"), "lead_time");
  EXPECT_EQ(rows[17].at("period"), "2024-02");
}

TEST_F(KpiCsvTest, RowsNameTheirStagesAndPartnersAndGiveDurationsInDays) {
  const auto rows = parse(kpi_csv(report_, &chain_));
  const auto& stage = rows[0];
  EXPECT_EQ(stage.at("kind"), "stage");
  EXPECT_EQ(stage.at("stage"), "opvang");
  EXPECT_EQ(stage.at("stage_name"), "Opvang");
  EXPECT_EQ(stage.at("entries"), "6");
  EXPECT_EQ(stage.at("count"), "4");
  EXPECT_DOUBLE_EQ(std::stod(stage.at("mean_days")), 3.0);
  EXPECT_DOUBLE_EQ(std::stod(stage.at("p50_days")), 0.5);
  EXPECT_EQ(stage.at("from_stage"), "");
  const auto& transition = rows[1];
  EXPECT_EQ(transition.at("kind"), "transition");
  EXPECT_EQ(transition.at("from_stage"), "aanmelding");
  EXPECT_EQ(transition.at("from_stage_name"), "Aanmelding");
  EXPECT_EQ(transition.at("to_stage_name"), "Opvang");
  EXPECT_EQ(transition.at("count"), "2");
  EXPECT_DOUBLE_EQ(std::stod(transition.at("mean_days")), 1.0 / 24);
  EXPECT_EQ(transition.at("norm_days"), "1");
  EXPECT_EQ(transition.at("within_norm"), "2");
  EXPECT_EQ(transition.at("entries"), "");
  const auto& handover = rows[2];
  EXPECT_EQ(handover.at("kind"), "handover");
  EXPECT_EQ(handover.at("from_partner_name"), "Gemeente");
  EXPECT_EQ(handover.at("to_partner_name"), "Opvang");
  const auto& measure = rows[3];
  EXPECT_EQ(measure.at("kind"), "measure");
  EXPECT_EQ(measure.at("measure_name"), "Snel opgevangen");
  EXPECT_EQ(measure.at("measure_kind"), "within");
  EXPECT_EQ(measure.at("partner_name"), "Opvang");
  EXPECT_EQ(measure.at("clients"), "8");
  EXPECT_EQ(measure.at("met"), "6");
  EXPECT_EQ(measure.at("share"), "0.75");
  EXPECT_EQ(measure.at("target"), "0.8");
  EXPECT_EQ(measure.at("count"), "");  // no durations for a within measure
  EXPECT_EQ(rows[4].at("kind"), "case_duration");
}

TEST_F(KpiCsvTest, WithoutAChainTheIdsStandForTheNames) {
  const auto rows = parse(kpi_csv(report_, nullptr));
  EXPECT_EQ(rows[1].at("from_stage_name"), "aanmelding");
  EXPECT_EQ(rows[2].at("to_partner_name"), "opvang");
}

}  // namespace
}  // namespace ketenflow::query
