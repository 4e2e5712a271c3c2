// Chain measures: parsing `measures:` / `goals:` / `holidays:`, the per-client
// contributions of each kind (kpi/measures.h) and the query over them
// (query/measure_query.h, query/goal_query.h) in both views. Every expected
// value is computed by hand from the inputs below.
#include "kpi/measures.h"
#include "test_support.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "kpi/contributions.h"
#include "model/chain_file.h"
#include "path/path.h"
#include "query/goal_query.h"
#include "query/measure_query.h"
#include "store/keys.h"
#include "tests/measures_fixture.h"

namespace ketenflow {
namespace {

using kpi::Contribution;
using kpi::Measure;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

int32_t d(int y, int m, int day) {
  return static_cast<int32_t>(testing::days_from_civil(y, m, day));
}
// 09:00 UTC: 10:00 or 11:00 in Amsterdam, the same local day.
int64_t at9(int y, int m, int day) { return static_cast<int64_t>(d(y, m, day)) * kDay + 9 * kHour; }

class Measures : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = model::parse_chain_yaml(
        std::string(testing::kTestChainYaml) + fixtures::kMeasuresYaml, "t");
    ASSERT_TRUE(chain.ok()) << chain.error();
    chain_ = std::move(chain.value());
  }

  v1::PathInput ev(const std::string& id, const std::string& type, int64_t ms,
                   bool urgent = false) {
    v1::PathInput in;
    in.set_event_id(id);
    in.set_type(type);
    in.set_partner_id(type == "aangemeld" ? "gemeente" : "opvang");
    in.set_occurred_ms(ms);
    in.set_recorded_ms(ms + kHour);
    in.set_seq(++seq_);
    if (urgent) {
      auto* a = in.add_attributes();
      a->set_key("urgent");
      a->set_value("true");
    }
    return in;
  }

  std::vector<Contribution> of(const std::vector<v1::PathInput>& events) const {
    std::vector<Contribution> out;
    kpi::add_measure_contributions(chain_, path::build_path(chain_, events), events, out);
    return out;
  }

  // (measure, day, value, met) of the measure contributions with dim `id`.
  static std::vector<std::tuple<Measure, int32_t, int64_t, bool>> of_measure(
      const std::vector<Contribution>& cs, const std::string& id) {
    std::vector<std::tuple<Measure, int32_t, int64_t, bool>> out;
    for (const auto& c : cs) {
      if (c.dim == id) out.emplace_back(c.measure, c.day, c.value_ms, c.within_norm);
    }
    return out;
  }

  // Client A: aangemeld Mon 4 March, intake next day, woning 20 March,
  // gehuisvest 25 March 2024 (21 days after aangemeld).
  std::vector<v1::PathInput> client_a() {
    return {ev("a1", "aangemeld", at9(2024, 3, 4)), ev("a2", "intake", at9(2024, 3, 5)),
            ev("a3", "woning_toegewezen", at9(2024, 3, 20)),
            ev("a4", "gehuisvest", at9(2024, 3, 25))};
  }
  // Client B (urgent): aangemeld Thu 28 March 2024, intake Tue 2 April (after
  // Easter Monday): 2 working days, 5 calendar days; not housed yet.
  std::vector<v1::PathInput> client_b() {
    return {ev("b1", "aangemeld", at9(2024, 3, 28), true), ev("b2", "intake", at9(2024, 4, 2))};
  }

  // Sums contributions the way the store does and feeds them to the query.
  query::MeasureDays days_of(const std::vector<std::vector<Contribution>>& clients) const {
    std::map<std::string, store::Aggregate> kpi;
    for (const auto& cs : clients) {
      for (const auto& c : cs) {
        kpi::add_contribution(
            kpi[store::kpi_key("test-keten", c.day, static_cast<uint8_t>(c.measure), c.dim)], c,
            +1);
      }
    }
    query::MeasureDays days = query::measure_days(chain_);
    for (const auto& [key, agg] : kpi) {
      auto parsed = store::parse_kpi_key(key, std::string("test-keten").size());
      std::string value;
      store::encode(agg, &value);
      query::AggregateEntry e{parsed->day, static_cast<Measure>(parsed->measure), parsed->dim,
                              value};
      auto added = query::add_measure_entry(days, chain_, e);
      EXPECT_TRUE(added.ok() && *added);
    }
    return days;
  }

  static const v1::MeasureResult& result(const std::vector<v1::MeasureResult>& rs,
                                         const std::string& id) {
    for (const auto& r : rs) {
      if (r.measure() == id) return r;
    }
    static const v1::MeasureResult kNone;
    ADD_FAILURE() << "no result for " << id;
    return kNone;
  }

  model::ChainModel chain_;
  uint64_t seq_ = 0;
};

TEST_F(Measures, ChainFileCarriesMeasuresGoalsAndFilterAttributes) {
  ASSERT_EQ(chain_.def.measures_size(), 5);
  EXPECT_EQ(chain_.def.measures(0).days(), 30);
  EXPECT_EQ(chain_.def.measures(0).target(), 0.8);
  EXPECT_EQ(chain_.def.measures(3).to(), "gehuisvest");
  EXPECT_EQ(chain_.def.measures(3).milestones_size(), 2);
  EXPECT_EQ(chain_.measures[4].where,
            (std::vector<std::pair<std::string, std::string>>{{"urgent", "true"}}));
  EXPECT_EQ(chain_.filter_attributes, std::vector<std::string>{"urgent"});
  ASSERT_EQ(chain_.def.goals_size(), 1);
  EXPECT_EQ(chain_.def.goals(0).measures_size(), 2);

  // Ingest keeps only the attributes a filter reads.
  v1::ClientEvent e;
  e.set_event_id("x");
  e.set_type("aangemeld");
  (*e.mutable_attributes())["urgent"] = "true";
  (*e.mutable_attributes())["gemeente"] = "oss";
  const v1::PathInput in = path::path_input(e, 1, chain_.filter_attributes);
  ASSERT_EQ(in.attributes_size(), 1);
  EXPECT_EQ(in.attributes(0).key(), "urgent");
  EXPECT_EQ(path::path_input(e, 1).attributes_size(), 0);
}

TEST_F(Measures, ChainFileProblemsNameTheLine) {
  const std::string bad = std::string(testing::kTestChainYaml) + R"(measures:
  - {id: m1, kind: within, from: aangemeld, to: intke, days: 2}
  - {id: m2, kind: durration, from: aangemeld, to: intake}
  - {id: m3, kind: without, from: aangemeld, to: intake}
  - {id: m4, kind: within, from: aangemeld, to: intake, days: 2, contributes_to: onbekend,
     partner: opvang}
  - {id: m1, kind: all_before, before: intake, from: aangemeld}
goals:
  - {id: g1, measures: [m4]}
holidays: [2024-12-27, 27-12-2024]
)";
  auto chain = model::parse_chain_yaml(bad, "bad.yaml");
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.error(),
            "bad.yaml:24: measure 'm1': to milestone 'intke' is not a milestone of this chain "
            "(did you mean 'intake'?)\n"
            "bad.yaml:25: measure 'm2': kind must be duration, within, without or all_before "
            "(got 'durration')\n"
            "bad.yaml:26: measure 'm3': days must be a number more than 0 (got 0)\n"
            "bad.yaml:27: measure 'm4': contributes_to 'onbekend' is not a measure of this chain\n"
            "bad.yaml:29: measure id 'm1' is defined more than once (first as measure 1)\n"
            "bad.yaml:29: measure 'm1' lists no milestones that must come before\n"
            "bad.yaml:31: goal 'g1': measure 'm4' is a partner measure; goals list chain result "
            "measures\n"
            "bad.yaml:32: holiday '27-12-2024' is not a date YYYY-MM-DD");
}

TEST_F(Measures, EachKindPerClient) {
  const auto a = of(client_a());
  using T = std::tuple<Measure, int32_t, int64_t, bool>;
  EXPECT_EQ(of_measure(a, "dur"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 3, 25), 21 * kDay, true},
                            {Measure::kMeasureCohort, d(2024, 3, 4), 21 * kDay, true}}));
  EXPECT_EQ(of_measure(a, "binnen"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 3, 5), -1, true},
                            {Measure::kMeasureCohort, d(2024, 3, 4), -1, true}}));
  // No relapse: met, decided when the year after 25 March 2024 has passed.
  EXPECT_EQ(of_measure(a, "zonder"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2025, 3, 25), -1, true},
                            {Measure::kMeasureCohort, d(2024, 3, 25), -1, true}}));
  EXPECT_EQ(of_measure(a, "alles"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 3, 25), -1, true},
                            {Measure::kMeasureCohort, d(2024, 3, 4), -1, true}}));
  EXPECT_TRUE(of_measure(a, "spoed").empty());  // not urgent

  const auto b = of(client_b());
  EXPECT_EQ(of_measure(b, "dur"),
            (std::vector<T>{{Measure::kMeasureOpen, d(2024, 3, 28), -1, false}}));
  // 5 calendar days > 2: failed when the window ended on 30 March.
  EXPECT_EQ(of_measure(b, "binnen"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 3, 30), -1, false},
                            {Measure::kMeasureCohort, d(2024, 3, 28), -1, false}}));
  // 2 working days after Thursday 28 March is Tuesday 2 April (Easter Monday).
  EXPECT_EQ(of_measure(b, "spoed"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 4, 2), -1, true},
                            {Measure::kMeasureCohort, d(2024, 3, 28), -1, true}}));
  EXPECT_EQ(of_measure(b, "alles"),
            (std::vector<T>{{Measure::kMeasureOpen, d(2024, 3, 28), -1, false}}));
  EXPECT_TRUE(of_measure(b, "zonder").empty());
}

TEST_F(Measures, RelapseAndCorrectionsMoveClients) {
  auto events = client_a();
  // Back in the shelter on 1 October 2024: relapse within the year.
  events.push_back(ev("a5", "geplaatst", at9(2024, 10, 1)));
  using T = std::tuple<Measure, int32_t, int64_t, bool>;
  EXPECT_EQ(of_measure(of(events), "zonder"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 10, 1), -1, false},
                            {Measure::kMeasureCohort, d(2024, 3, 25), -1, false}}));
  // The intake is withdrawn: out of `binnen` (failed at the window end,
  // 6 March) and `alles` no longer holds.
  v1::PathInput withdraw = ev("a6", "intake", at9(2024, 3, 5));
  withdraw.set_corrects_event_id("a2");
  withdraw.set_retracted(true);
  events.push_back(withdraw);
  const auto cs = of(events);
  EXPECT_EQ(of_measure(cs, "binnen"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 3, 6), -1, false},
                            {Measure::kMeasureCohort, d(2024, 3, 4), -1, false}}));
  EXPECT_EQ(of_measure(cs, "alles"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 3, 25), -1, false},
                            {Measure::kMeasureCohort, d(2024, 3, 4), -1, false}}));
  // A correction moving gehuisvest to 10 April (37 days): over the 30-day norm.
  v1::PathInput moved = ev("a7", "gehuisvest", at9(2024, 4, 10));
  moved.set_corrects_event_id("a4");
  events.push_back(moved);
  EXPECT_EQ(of_measure(of(events), "dur"),
            (std::vector<T>{{Measure::kMeasureClosed, d(2024, 4, 10), 37 * kDay, false},
                            {Measure::kMeasureCohort, d(2024, 3, 4), 37 * kDay, false}}));
}

TEST_F(Measures, CompletionView) {
  const auto days = days_of({of(client_a()), of(client_b())});
  const auto rs = query::measure_results(chain_, days, d(2024, 3, 1), d(2024, 5, 1),
                                         query::View::kCompletion, d(2024, 4, 15));
  const auto& dur = result(rs, "dur");
  EXPECT_EQ(dur.clients(), 1u);
  EXPECT_EQ(dur.met(), 1u);
  EXPECT_EQ(dur.share(), 1.0);
  EXPECT_EQ(dur.duration().count(), 1u);
  EXPECT_EQ(dur.duration().mean_seconds(), 21 * 86400.0);
  EXPECT_EQ(dur.open(), 1u);     // B
  EXPECT_EQ(dur.overdue(), 0u);  // deadline 27 April
  EXPECT_EQ(dur.target(), 0.8);
  const auto& binnen = result(rs, "binnen");
  EXPECT_EQ(binnen.clients(), 2u);
  EXPECT_EQ(binnen.met(), 1u);
  EXPECT_EQ(binnen.share(), 0.5);
  EXPECT_EQ(result(rs, "zonder").clients(), 0u);  // decided in 2025
  EXPECT_EQ(result(rs, "alles").clients(), 1u);
  EXPECT_EQ(result(rs, "alles").met(), 1u);
  EXPECT_EQ(result(rs, "alles").open(), 1u);
  EXPECT_EQ(result(rs, "spoed").met(), 1u);
  EXPECT_FALSE(binnen.provisional());

  // On 30 March B's window is still open: its failure is not counted yet.
  const auto early = query::measure_results(chain_, days, d(2024, 3, 1), d(2024, 5, 1),
                                            query::View::kCompletion, d(2024, 3, 30));
  EXPECT_EQ(result(early, "binnen").clients(), 1u);
  // On 28 April B is past the 30-day norm.
  const auto late = query::measure_results(chain_, days, d(2024, 3, 1), d(2024, 5, 1),
                                           query::View::kCompletion, d(2024, 4, 28));
  EXPECT_EQ(result(late, "dur").overdue(), 1u);
  // A window that ends before 25 March counts only A's intake.
  const auto march = query::measure_results(chain_, days, d(2024, 3, 1), d(2024, 3, 25),
                                            query::View::kCompletion, d(2024, 4, 28));
  EXPECT_EQ(result(march, "dur").clients(), 0u);
  EXPECT_EQ(result(march, "binnen").clients(), 1u);
}

TEST_F(Measures, CohortViewAndProvisionalWindows) {
  const auto days = days_of({of(client_a()), of(client_b())});
  const auto rs = query::measure_results(chain_, days, d(2024, 3, 1), d(2024, 4, 1),
                                         query::View::kCohort, d(2024, 3, 29));
  const auto& dur = result(rs, "dur");
  EXPECT_EQ(dur.clients(), 2u);  // A closed, B open
  EXPECT_EQ(dur.met(), 1u);
  EXPECT_EQ(dur.open(), 1u);
  EXPECT_EQ(dur.pending(), 1u);
  EXPECT_TRUE(dur.provisional());
  const auto& binnen = result(rs, "binnen");
  EXPECT_EQ(binnen.clients(), 2u);
  EXPECT_EQ(binnen.met(), 1u);
  EXPECT_EQ(binnen.pending(), 1u);  // B's window runs to 30 March
  EXPECT_TRUE(binnen.provisional());
  const auto& zonder = result(rs, "zonder");
  EXPECT_EQ(zonder.clients(), 1u);
  EXPECT_EQ(zonder.met(), 1u);
  EXPECT_EQ(zonder.pending(), 1u);  // no relapse so far, window to 25 March 2025
  EXPECT_TRUE(zonder.provisional());
  EXPECT_EQ(result(rs, "alles").clients(), 2u);
  EXPECT_EQ(result(rs, "alles").pending(), 1u);

  // Once every window has passed only the open clients stay pending.
  const auto final = query::measure_results(chain_, days, d(2024, 3, 1), d(2024, 4, 1),
                                            query::View::kCohort, d(2026, 1, 1));
  EXPECT_FALSE(result(final, "binnen").provisional());
  EXPECT_EQ(result(final, "binnen").pending(), 0u);
  EXPECT_FALSE(result(final, "zonder").provisional());
  EXPECT_EQ(result(final, "dur").overdue(), 1u);
  EXPECT_EQ(result(final, "dur").pending(), 0u);
  EXPECT_FALSE(result(final, "dur").provisional());
  EXPECT_TRUE(result(final, "alles").provisional());  // B may still be released
}

TEST_F(Measures, GoalTreeWithPreviousPeriodAndContributions) {
  std::map<std::string, store::Aggregate> kpi;
  for (const auto& cs : {of(client_a()), of(client_b())}) {
    for (const auto& c : cs) {
      kpi::add_contribution(
          kpi[store::kpi_key("test-keten", c.day, static_cast<uint8_t>(c.measure), c.dim)], c, +1);
    }
  }
  query::GoalQuery q;
  q.from = d(2024, 3, 15);
  q.to = d(2024, 4, 15);
  q.today = d(2024, 4, 15);
  auto tree = query::goal_tree(query::memory_aggregates(kpi, "test-keten"), chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->previous_from(), "2024-02-13");
  EXPECT_EQ(tree->previous_to(), "2024-03-15");
  ASSERT_EQ(tree->goals_size(), 1);
  const auto& goal = tree->goals(0);
  ASSERT_EQ(goal.measures_size(), 2);
  EXPECT_EQ(goal.measures(0).current().measure(), "dur");
  EXPECT_EQ(goal.measures(0).current().clients(), 1u);
  EXPECT_EQ(goal.measures(0).previous().clients(), 0u);
  EXPECT_EQ(goal.measures(0).trend(), 0.0);
  // binnen: now B failed (0 of 1), before A met (1 of 1): trend -1.
  const auto& binnen = goal.measures(1);
  EXPECT_EQ(binnen.current().share(), 0.0);
  EXPECT_EQ(binnen.previous().share(), 1.0);
  EXPECT_EQ(binnen.trend(), -1.0);
  ASSERT_EQ(binnen.contributions_size(), 1);
  EXPECT_EQ(binnen.contributions(0).current().measure(), "spoed");
  EXPECT_EQ(binnen.contributions(0).current().partner(), "opvang");
  EXPECT_EQ(binnen.contributions(0).current().met(), 1u);
}

// Every contribution of A and B (stages, transitions, measures), summed as the
// store sums them.
std::map<std::string, store::Aggregate> all_aggregates(const model::ChainModel& chain,
                                                       const std::vector<v1::PathInput>& a,
                                                       const std::vector<v1::PathInput>& b) {
  std::map<std::string, store::Aggregate> kpi;
  for (const auto* events : {&a, &b}) {
    for (const auto& c : kpi::contributions(chain, path::build_path(chain, *events), *events)) {
      kpi::add_contribution(
          kpi[store::kpi_key("test-keten", c.day, static_cast<uint8_t>(c.measure), c.dim)], c, +1);
    }
  }
  return kpi;
}

TEST_F(Measures, GoalTreeDefaultsCountBackFromTheLastDayAClientEnteredAStage) {
  const auto kpi = all_aggregates(chain_, client_a(), client_b());
  const auto source = query::memory_aggregates(kpi, "test-keten");
  // The last stage entry is B's intake on 2 April 2024; A's `zonder` window
  // (365 days after gehuisvest) puts a kpi day in March 2025, which is no data.
  ASSERT_TRUE(source.days());
  EXPECT_EQ(source.days()->last, d(2025, 3, 25));
  auto last = query::last_data_day(source);
  ASSERT_TRUE(last.ok()) << last.error();
  EXPECT_EQ(*last, std::optional<int32_t>(d(2024, 4, 2)));

  query::GoalQuery q;
  q.today = d(2025, 6, 1);
  auto tree = query::goal_tree(source, chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->data_until(), "2024-04-02");
  EXPECT_EQ(tree->from(), "2023-04-03");
  EXPECT_EQ(tree->to(), "2024-04-03");
  // The 366 days before (the default year holds 29 February 2024).
  EXPECT_EQ(tree->previous_from(), "2022-04-02");
  EXPECT_EQ(tree->previous_to(), "2023-04-03");
  // Both clients arrived in the default year: binnen decided for both.
  EXPECT_EQ(tree->goals(0).measures(1).current().clients(), 2u);

  // Whole months: up to the end of April 2024, which is over.
  q.whole_months = true;
  tree = query::goal_tree(source, chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->from(), "2023-05-01");
  EXPECT_EQ(tree->to(), "2024-05-01");
  // ... and while April still runs, up to its first day.
  q.today = d(2024, 4, 10);
  tree = query::goal_tree(source, chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->to(), "2024-04-01");
  EXPECT_EQ(tree->from(), "2023-04-01");
}

TEST_F(Measures, GoalTreeDefaultsCountBackFromTodayWhenTheDataReachesIt) {
  const auto kpi = all_aggregates(chain_, client_a(), client_b());
  query::GoalQuery q;
  q.today = d(2024, 3, 30);
  auto tree = query::goal_tree(query::memory_aggregates(kpi, "test-keten"), chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->data_until(), "2024-04-02");
  EXPECT_EQ(tree->to(), "2024-03-31");
  EXPECT_EQ(tree->from(), "2023-03-31");

  const std::map<std::string, store::Aggregate> none;
  tree = query::goal_tree(query::memory_aggregates(none, "test-keten"), chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->data_until(), "");
  EXPECT_EQ(tree->to(), "2024-03-31");
}

TEST_F(Measures, GoalTreeRefusesAFromAfterTheDefaultToAndSaysWhy) {
  const auto kpi = all_aggregates(chain_, client_a(), client_b());
  query::GoalQuery q;
  q.today = d(2025, 6, 1);
  q.from = d(2024, 5, 1);
  auto tree = query::goal_tree(query::memory_aggregates(kpi, "test-keten"), chain_, q);
  ASSERT_FALSE(tree.ok());
  EXPECT_EQ(tree.error(),
            "from 2024-05-01 must be before to 2024-04-03 (the day after the last data day)");
  // A year before a 29 February is the 28th.
  q.from.reset();
  q.to = d(2024, 2, 29);
  tree = query::goal_tree(query::memory_aggregates(kpi, "test-keten"), chain_, q);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->from(), "2023-02-28");
}

}  // namespace
}  // namespace ketenflow
