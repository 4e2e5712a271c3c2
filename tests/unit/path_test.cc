// Path reconstruction (path/path.h) and per-client KPI contributions
// (kpi/contributions.h) on small hand-made event sets. Every expected value
// below is computed by hand from the inputs (DESIGN §4-5); times are built
// with an independent civil-date helper, not with the engine's time code.
#include "path/path.h"
#include "test_support.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kpi/contributions.h"
#include "model/chain.h"
#include "model/chain_file.h"
#include "model/inferred_chain.h"

namespace ketenflow {
namespace {

using kpi::Contribution;
using kpi::Measure;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

using testing::days_from_civil;

// A UTC instant in ms.
constexpr int64_t utc(int64_t y, int64_t mo, int64_t d, int64_t h = 0, int64_t mi = 0,
                      int64_t s = 0) {
  return days_from_civil(y, mo, d) * kDay + h * kHour + mi * kMinute + s * kSecond;
}

// Local day numbers used below (2024-01-01 is day 19723; 2024 is a leap year).
static_assert(days_from_civil(2024, 1, 1) == 19723);
constexpr int32_t k0304 = 19723 + 31 + 29 + 3;  // 2024-03-04
constexpr int32_t k0305 = k0304 + 1;
constexpr int32_t k0320 = k0304 + 16;
constexpr int32_t k0321 = k0304 + 17;
constexpr int32_t k0325 = k0304 + 21;
constexpr int32_t k0701 = 19723 + 182;  // 2024-07-01
static_assert(days_from_civil(2024, 3, 21) == k0321);
static_assert(days_from_civil(2024, 7, 1) == k0701);

v1::PathInput event(const std::string& id, const std::string& type, const std::string& partner,
                    int64_t occurred_ms, std::optional<int64_t> recorded_ms, uint64_t seq) {
  v1::PathInput in;
  in.set_event_id(id);
  in.set_type(type);
  in.set_partner_id(partner);
  in.set_occurred_ms(occurred_ms);
  if (recorded_ms) in.set_recorded_ms(*recorded_ms);
  in.set_seq(seq);
  return in;
}

v1::PathInput correction(const std::string& id, const std::string& target, const std::string& type,
                         const std::string& partner, int64_t occurred_ms,
                         std::optional<int64_t> recorded_ms, uint64_t seq) {
  v1::PathInput in = event(id, type, partner, occurred_ms, recorded_ms, seq);
  in.set_corrects_event_id(target);
  return in;
}

// A withdrawal as the validator accepts it: no type, no occurred_at.
v1::PathInput withdrawal(const std::string& id, const std::string& target,
                         const std::string& partner, std::optional<int64_t> recorded_ms,
                         uint64_t seq) {
  v1::PathInput in = event(id, "", partner, 0, recorded_ms, seq);
  in.set_corrects_event_id(target);
  in.set_retracted(true);
  return in;
}

class PathBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = model::parse_chain_yaml(testing::kTestChainYaml, "test-keten.yaml");
    ASSERT_TRUE(chain.ok()) << chain.error();
    chain_ = std::move(*chain);
    ASSERT_EQ(chain_.stage_count(), 4);
  }

  path::Path build(const std::vector<v1::PathInput>& events) const {
    return path::build_path(chain_, events);
  }

  // Effective event ids in path order.
  static std::vector<std::string> order(const path::Path& p,
                                        const std::vector<v1::PathInput>& events) {
    std::vector<std::string> ids;
    for (size_t i : p.order) ids.push_back(events[i].event_id());
    return ids;
  }

  static v1::EventStatus status(const path::Path& p, const std::vector<v1::PathInput>& events,
                                const std::string& id) {
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].event_id() == id) return p.status[i];
    }
    ADD_FAILURE() << "no event " << id;
    return v1::EVENT_STATUS_UNSPECIFIED;
  }

  std::vector<std::string> stages(const path::Path& p) const {
    std::vector<std::string> ids;
    for (const auto& v : p.visits) ids.push_back(chain_.stage_id(v.stage));
    return ids;
  }

  model::ChainModel chain_;
};

// The reference client: five events over four stages, ending in the terminal
// milestone. e3 is the second milestone of `opvang`, reported by the
// municipality.
std::vector<v1::PathInput> reference_client() {
  return {
      event("e1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), utc(2024, 3, 4, 9, 5), 1),
      event("e2", "intake", "opvang", utc(2024, 3, 5, 9), utc(2024, 3, 5, 9, 5), 2),
      event("e3", "geplaatst", "gemeente", utc(2024, 3, 6, 12), utc(2024, 3, 6, 12, 5), 3),
      // 00:30 local time on 21 March (CET, UTC+1).
      event("e4", "woning_toegewezen", "corporatie", utc(2024, 3, 20, 23, 30),
            utc(2024, 3, 20, 23, 35), 4),
      event("e5", "gehuisvest", "begeleiding", utc(2024, 3, 25, 8), utc(2024, 3, 25, 8, 5), 5),
  };
}

TEST_F(PathBuild, VisitsWithEnteredLeftAndLastEventTimes) {
  const auto events = reference_client();
  const path::Path p = build(events);

  EXPECT_EQ(order(p, events), (std::vector<std::string>{"e1", "e2", "e3", "e4", "e5"}));
  for (auto s : p.status) EXPECT_EQ(s, v1::EVENT_STATUS_EFFECTIVE);
  ASSERT_EQ(stages(p), (std::vector<std::string>{"aanmelding", "opvang", "woning", "wonen"}));

  const path::Visit& aanmelding = p.visits[0];
  EXPECT_EQ(aanmelding.entered_ms, utc(2024, 3, 4, 9));
  EXPECT_EQ(aanmelding.last_event_ms, utc(2024, 3, 4, 9));
  EXPECT_EQ(aanmelding.left_ms, std::optional<int64_t>(utc(2024, 3, 5, 9)));
  EXPECT_EQ(aanmelding.first, 0u);
  EXPECT_EQ(aanmelding.last, 0u);
  EXPECT_FALSE(aanmelding.reentry);

  // e2 and e3 are consecutive events of one stage: one visit.
  const path::Visit& opvang = p.visits[1];
  EXPECT_EQ(opvang.entered_ms, utc(2024, 3, 5, 9));
  EXPECT_EQ(opvang.last_event_ms, utc(2024, 3, 6, 12));
  EXPECT_EQ(opvang.left_ms, std::optional<int64_t>(utc(2024, 3, 20, 23, 30)));
  EXPECT_EQ(opvang.first, 1u);
  EXPECT_EQ(opvang.last, 2u);
  EXPECT_FALSE(opvang.reentry);

  const path::Visit& woning = p.visits[2];
  EXPECT_EQ(woning.entered_ms, utc(2024, 3, 20, 23, 30));
  EXPECT_EQ(woning.left_ms, std::optional<int64_t>(utc(2024, 3, 25, 8)));
  EXPECT_EQ(woning.first, 3u);
  EXPECT_EQ(woning.last, 3u);

  // The terminal milestone closes the last visit and completes the client.
  const path::Visit& wonen = p.visits[3];
  EXPECT_EQ(wonen.entered_ms, utc(2024, 3, 25, 8));
  EXPECT_EQ(wonen.left_ms, std::optional<int64_t>(utc(2024, 3, 25, 8)));
  EXPECT_EQ(p.completed_ms, std::optional<int64_t>(utc(2024, 3, 25, 8)));

  // Partners of a visit: the first and the last event's partner.
  EXPECT_EQ(path::first_partner(chain_, p, events, opvang), chain_.partner("opvang"));
  EXPECT_EQ(path::last_partner(chain_, p, events, opvang), chain_.partner("gemeente"));
}

TEST_F(PathBuild, ConsecutiveEventsOfOneStageFormOneOpenVisit) {
  const std::vector<v1::PathInput> events = {
      event("a", "intake", "opvang", utc(2024, 5, 1, 9), std::nullopt, 1),
      event("b", "geplaatst", "opvang", utc(2024, 5, 2, 9), std::nullopt, 2),
      event("c", "intake", "opvang", utc(2024, 5, 3, 9), std::nullopt, 3),
  };
  const path::Path p = build(events);
  ASSERT_EQ(p.visits.size(), 1u);
  EXPECT_EQ(chain_.stage_id(p.visits[0].stage), "opvang");
  EXPECT_EQ(p.visits[0].entered_ms, utc(2024, 5, 1, 9));
  EXPECT_EQ(p.visits[0].last_event_ms, utc(2024, 5, 3, 9));
  EXPECT_EQ(p.visits[0].first, 0u);
  EXPECT_EQ(p.visits[0].last, 2u);
  EXPECT_FALSE(p.visits[0].left_ms.has_value());
  EXPECT_FALSE(p.completed_ms.has_value());
}

TEST_F(PathBuild, ReentryOpensANewVisit) {
  const std::vector<v1::PathInput> events = {
      event("a", "aangemeld", "gemeente", utc(2024, 5, 1, 9), std::nullopt, 1),
      event("b", "intake", "opvang", utc(2024, 5, 2, 9), std::nullopt, 2),
      event("c", "woning_toegewezen", "corporatie", utc(2024, 5, 10, 9), std::nullopt, 3),
      // Back to the shelter.
      event("d", "geplaatst", "opvang", utc(2024, 6, 1, 9), std::nullopt, 4),
      event("e", "intake", "opvang", utc(2024, 6, 2, 9), std::nullopt, 5),
  };
  const path::Path p = build(events);
  ASSERT_EQ(stages(p), (std::vector<std::string>{"aanmelding", "opvang", "woning", "opvang"}));
  EXPECT_FALSE(p.visits[0].reentry);
  EXPECT_FALSE(p.visits[1].reentry);
  EXPECT_FALSE(p.visits[2].reentry);
  EXPECT_TRUE(p.visits[3].reentry);
  EXPECT_EQ(p.visits[2].left_ms, std::optional<int64_t>(utc(2024, 6, 1, 9)));
  EXPECT_EQ(p.visits[3].entered_ms, utc(2024, 6, 1, 9));
  EXPECT_EQ(p.visits[3].last_event_ms, utc(2024, 6, 2, 9));
  EXPECT_EQ(p.visits[3].first, 3u);
  EXPECT_EQ(p.visits[3].last, 4u);
  EXPECT_FALSE(p.visits[3].left_ms.has_value());
}

TEST_F(PathBuild, TiesBrokenByStageRankBeforeRecordedAtAndEventId) {
  // Same instant: woning (rank 3) was recorded first, has the smaller id and
  // arrived first, yet opvang (rank 2) comes first.
  const int64_t t = utc(2024, 5, 1, 9);
  const std::vector<v1::PathInput> events = {
      event("a-woning", "woning_toegewezen", "corporatie", t, utc(2024, 5, 1, 10), 1),
      event("b-intake", "intake", "opvang", t, utc(2024, 5, 1, 11), 2),
  };
  const path::Path p = build(events);
  EXPECT_EQ(order(p, events), (std::vector<std::string>{"b-intake", "a-woning"}));
  EXPECT_EQ(stages(p), (std::vector<std::string>{"opvang", "woning"}));
  EXPECT_EQ(p.visits[0].left_ms, std::optional<int64_t>(t));
}

TEST_F(PathBuild, TiesInOneStageBrokenByRecordedAtThenEventId) {
  const int64_t t = utc(2024, 5, 1, 9);
  // Recorded order beats event id and arrival order.
  const std::vector<v1::PathInput> by_recorded = {
      event("e-a", "intake", "opvang", t, utc(2024, 5, 1, 11), 1),
      event("e-b", "geplaatst", "opvang", t, utc(2024, 5, 1, 10), 2),
  };
  EXPECT_EQ(order(build(by_recorded), by_recorded), (std::vector<std::string>{"e-b", "e-a"}));

  // Same recorded_at: event id beats arrival order.
  const std::vector<v1::PathInput> by_id = {
      event("e-b", "intake", "opvang", t, utc(2024, 5, 1, 10), 1),
      event("e-a", "geplaatst", "opvang", t, utc(2024, 5, 1, 10), 2),
  };
  EXPECT_EQ(order(build(by_id), by_id), (std::vector<std::string>{"e-a", "e-b"}));
}

TEST_F(PathBuild, TiesWithoutRecordedAtBrokenByArrival) {
  const int64_t t = utc(2024, 5, 1, 9);
  const std::vector<v1::PathInput> events = {
      event("e-a", "intake", "opvang", t, std::nullopt, 7),
      event("e-b", "geplaatst", "opvang", t, std::nullopt, 3),
  };
  // Arrival (seq) decides, not the event id.
  const path::Path p = build(events);
  EXPECT_EQ(order(p, events), (std::vector<std::string>{"e-b", "e-a"}));
  ASSERT_EQ(p.visits.size(), 1u);
  EXPECT_EQ(path::first_partner(chain_, p, events, p.visits[0]), chain_.partner("opvang"));
}

TEST(PathBuildInferred, UnrankedChainTiesKeepArrivalOrder) {
  auto made = model::make_inferred_chain("log", "Europe/Amsterdam");
  ASSERT_TRUE(made.ok()) << made.error();
  model::ChainModel chain = std::move(*made);
  ASSERT_TRUE(model::extend_inferred_chain(chain, "registratie", "loket"));
  ASSERT_TRUE(model::extend_inferred_chain(chain, "beoordeling", "loket"));
  ASSERT_EQ(chain.stage_count(), 2);
  EXPECT_EQ(chain.stage_rank(0), 0u);
  EXPECT_EQ(chain.stage_rank(1), 0u);

  const int64_t t = utc(2024, 5, 1, 9);
  // beoordeling arrived first (seq 1) although its id sorts last and its stage
  // was added last: a log without ranks keeps source order.
  std::vector<v1::PathInput> events = {
      event("z1", "beoordeling", "loket", t, std::nullopt, 1),
      event("a2", "registratie", "loket", t, std::nullopt, 2),
  };
  path::Path p = path::build_path(chain, events);
  ASSERT_EQ(p.visits.size(), 2u);
  EXPECT_EQ(chain.stage_id(p.visits[0].stage), "beoordeling");
  EXPECT_EQ(chain.stage_id(p.visits[1].stage), "registratie");
  EXPECT_EQ(events[p.order[0]].event_id(), "z1");

  // Swap the arrival order: the path follows.
  events[0].set_seq(2);
  events[1].set_seq(1);
  p = path::build_path(chain, events);
  ASSERT_EQ(p.visits.size(), 2u);
  EXPECT_EQ(chain.stage_id(p.visits[0].stage), "registratie");
  EXPECT_EQ(chain.stage_id(p.visits[1].stage), "beoordeling");
}

TEST_F(PathBuild, InputOrderDoesNotMatter) {
  const int64_t t = utc(2024, 5, 2, 9);
  const std::vector<v1::PathInput> base = {
      event("e1", "aangemeld", "gemeente", utc(2024, 5, 1, 9), std::nullopt, 1),
      // Tie on t: rank, then recorded_at, then arrival for those without it.
      event("e2", "woning_toegewezen", "corporatie", t, utc(2024, 5, 2, 8), 2),
      event("e3", "intake", "opvang", t, utc(2024, 5, 2, 10), 3),
      event("e4", "geplaatst", "opvang", t, utc(2024, 5, 2, 9), 4),
      // e5 is corrected by c5 (to a later time), e6 withdrawn by w6.
      event("e5", "intake", "opvang", utc(2024, 5, 3, 9), std::nullopt, 5),
      correction("c5", "e5", "intake", "opvang", utc(2024, 5, 4, 9), std::nullopt, 8),
      event("e6", "gehuisvest", "begeleiding", utc(2024, 5, 5, 9), std::nullopt, 6),
      withdrawal("w6", "e6", "begeleiding", std::nullopt, 7),
  };
  const std::vector<std::string> want_order = {"e1", "e4", "e3", "e2", "c5"};

  std::vector<size_t> perm(base.size());
  std::iota(perm.begin(), perm.end(), 0);
  int permutations = 0;
  do {
    std::vector<v1::PathInput> events;
    for (size_t i : perm) events.push_back(base[i]);
    const path::Path p = build(events);
    ASSERT_EQ(order(p, events), want_order) << "permutation " << permutations;
    ASSERT_EQ(stages(p), (std::vector<std::string>{"aanmelding", "opvang", "woning", "opvang"}));
    EXPECT_EQ(p.visits[1].entered_ms, t);
    EXPECT_EQ(p.visits[1].last_event_ms, t);
    EXPECT_EQ(p.visits[1].first, 1u);
    EXPECT_EQ(p.visits[1].last, 2u);
    EXPECT_EQ(p.visits[3].entered_ms, utc(2024, 5, 4, 9));
    EXPECT_TRUE(p.visits[3].reentry);
    EXPECT_FALSE(p.visits[3].left_ms.has_value());
    EXPECT_FALSE(p.completed_ms.has_value());
    EXPECT_EQ(status(p, events, "e5"), v1::EVENT_STATUS_CORRECTED);
    EXPECT_EQ(status(p, events, "c5"), v1::EVENT_STATUS_EFFECTIVE);
    EXPECT_EQ(status(p, events, "e6"), v1::EVENT_STATUS_WITHDRAWN);
    EXPECT_EQ(status(p, events, "w6"), v1::EVENT_STATUS_WITHDRAWN);
    ++permutations;
    if (HasFailure()) break;
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(permutations, 40320);  // 8!
}

TEST_F(PathBuild, CorrectionReplacesTheOriginal) {
  const std::vector<v1::PathInput> events = {
      event("e1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), utc(2024, 3, 4, 9), 1),
      event("e2", "intake", "opvang", utc(2024, 3, 5, 9), utc(2024, 3, 5, 9), 2),
      correction("c2", "e2", "intake", "opvang", utc(2024, 3, 5, 15), utc(2024, 3, 6, 8), 3),
  };
  const path::Path p = build(events);
  EXPECT_EQ(status(p, events, "e2"), v1::EVENT_STATUS_CORRECTED);
  EXPECT_EQ(status(p, events, "c2"), v1::EVENT_STATUS_EFFECTIVE);
  EXPECT_EQ(order(p, events), (std::vector<std::string>{"e1", "c2"}));
  ASSERT_EQ(p.visits.size(), 2u);
  EXPECT_EQ(p.visits[0].left_ms, std::optional<int64_t>(utc(2024, 3, 5, 15)));
  EXPECT_EQ(p.visits[1].entered_ms, utc(2024, 3, 5, 15));
}

TEST_F(PathBuild, OfTwoCorrectionsTheLaterRecordedWins) {
  // c-late was recorded later but arrived first; c-early arrived last.
  const std::vector<v1::PathInput> events = {
      event("e1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), utc(2024, 3, 4, 9), 1),
      event("e2", "intake", "opvang", utc(2024, 3, 5, 9), utc(2024, 3, 5, 9), 2),
      correction("c-late", "e2", "intake", "opvang", utc(2024, 3, 5, 15), utc(2024, 3, 6, 10), 3),
      correction("c-early", "e2", "intake", "opvang", utc(2024, 3, 5, 18), utc(2024, 3, 6, 9), 4),
  };
  const path::Path p = build(events);
  EXPECT_EQ(status(p, events, "e2"), v1::EVENT_STATUS_CORRECTED);
  EXPECT_EQ(status(p, events, "c-early"), v1::EVENT_STATUS_CORRECTED);
  EXPECT_EQ(status(p, events, "c-late"), v1::EVENT_STATUS_EFFECTIVE);
  EXPECT_EQ(order(p, events), (std::vector<std::string>{"e1", "c-late"}));
  ASSERT_EQ(p.visits.size(), 2u);
  EXPECT_EQ(p.visits[1].entered_ms, utc(2024, 3, 5, 15));
}

TEST_F(PathBuild, OfTwoCorrectionsWithoutRecordedAtTheLaterArrivedWins) {
  const std::vector<v1::PathInput> events = {
      event("e1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), std::nullopt, 1),
      correction("c-b", "e1", "aangemeld", "gemeente", utc(2024, 3, 4, 11), std::nullopt, 3),
      correction("c-a", "e1", "aangemeld", "gemeente", utc(2024, 3, 4, 10), std::nullopt, 2),
  };
  const path::Path p = build(events);
  EXPECT_EQ(status(p, events, "c-a"), v1::EVENT_STATUS_CORRECTED);
  EXPECT_EQ(status(p, events, "c-b"), v1::EVENT_STATUS_EFFECTIVE);
  ASSERT_EQ(p.visits.size(), 1u);
  EXPECT_EQ(p.visits[0].entered_ms, utc(2024, 3, 4, 11));
}

TEST_F(PathBuild, WithdrawalRemovesTheEventAndIsNotOnThePath) {
  const std::vector<v1::PathInput> events = {
      event("e1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), std::nullopt, 1),
      event("e2", "intake", "opvang", utc(2024, 3, 5, 9), std::nullopt, 2),
      withdrawal("w2", "e2", "opvang", utc(2024, 3, 6, 9), 3),
  };
  const path::Path p = build(events);
  EXPECT_EQ(status(p, events, "e1"), v1::EVENT_STATUS_EFFECTIVE);
  EXPECT_EQ(status(p, events, "e2"), v1::EVENT_STATUS_WITHDRAWN);
  EXPECT_EQ(status(p, events, "w2"), v1::EVENT_STATUS_WITHDRAWN);
  EXPECT_EQ(order(p, events), (std::vector<std::string>{"e1"}));
  ASSERT_EQ(p.visits.size(), 1u);
  EXPECT_EQ(chain_.stage_id(p.visits[0].stage), "aanmelding");
  EXPECT_FALSE(p.visits[0].left_ms.has_value());
}

TEST_F(PathBuild, CorrectionBeforeItsOriginal) {
  const auto e1 = event("e1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), std::nullopt, 1);
  // Correction arrives (seq 2) before the event it corrects (seq 3).
  const auto c2 = correction("c2", "e2", "intake", "opvang", utc(2024, 3, 5, 15), std::nullopt, 2);
  const auto e2_late = event("e2", "intake", "opvang", utc(2024, 3, 5, 9), std::nullopt, 3);

  // Original absent: the correction stands on its own.
  const std::vector<v1::PathInput> alone = {e1, c2};
  const path::Path p1 = build(alone);
  EXPECT_EQ(status(p1, alone, "c2"), v1::EVENT_STATUS_EFFECTIVE);
  EXPECT_EQ(order(p1, alone), (std::vector<std::string>{"e1", "c2"}));
  ASSERT_EQ(p1.visits.size(), 2u);
  EXPECT_EQ(p1.visits[1].entered_ms, utc(2024, 3, 5, 15));

  // Original added later: same as when it had arrived first.
  const std::vector<v1::PathInput> late = {e1, c2, e2_late};
  auto c2_after = c2;
  c2_after.set_seq(3);
  auto e2_first = e2_late;
  e2_first.set_seq(2);
  const std::vector<v1::PathInput> in_order = {e1, e2_first, c2_after};
  const path::Path p2 = build(late);
  const path::Path p3 = build(in_order);
  for (const auto* pair : {&late, &in_order}) {
    const path::Path& p = pair == &late ? p2 : p3;
    EXPECT_EQ(status(p, *pair, "e2"), v1::EVENT_STATUS_CORRECTED);
    EXPECT_EQ(status(p, *pair, "c2"), v1::EVENT_STATUS_EFFECTIVE);
    EXPECT_EQ(order(p, *pair), (std::vector<std::string>{"e1", "c2"}));
    ASSERT_EQ(p.visits.size(), 2u);
    EXPECT_EQ(p.visits[0].left_ms, std::optional<int64_t>(utc(2024, 3, 5, 15)));
    EXPECT_EQ(p.visits[1].entered_ms, utc(2024, 3, 5, 15));
  }
}

TEST_F(PathBuild, TerminalMilestoneClosesAndReentryReopens) {
  auto events = reference_client();
  path::Path p = build(events);
  ASSERT_EQ(p.visits.size(), 4u);
  EXPECT_EQ(p.visits[3].left_ms, std::optional<int64_t>(utc(2024, 3, 25, 8)));
  EXPECT_EQ(p.completed_ms, std::optional<int64_t>(utc(2024, 3, 25, 8)));

  // The client comes back to the shelter after being housed.
  events.push_back(event("e6", "intake", "opvang", utc(2024, 4, 10, 9), std::nullopt, 6));
  p = build(events);
  ASSERT_EQ(stages(p),
            (std::vector<std::string>{"aanmelding", "opvang", "woning", "wonen", "opvang"}));
  // The terminal visit now ends where the next visit starts.
  EXPECT_EQ(p.visits[3].left_ms, std::optional<int64_t>(utc(2024, 4, 10, 9)));
  EXPECT_EQ(p.visits[4].entered_ms, utc(2024, 4, 10, 9));
  EXPECT_TRUE(p.visits[4].reentry);
  EXPECT_FALSE(p.visits[4].left_ms.has_value());
  // Completion stays at the first terminal milestone.
  EXPECT_EQ(p.completed_ms, std::optional<int64_t>(utc(2024, 3, 25, 8)));
}

TEST_F(PathBuild, FirstTerminalMilestoneClosesTheVisit) {
  const std::vector<v1::PathInput> events = {
      event("a", "gehuisvest", "begeleiding", utc(2024, 5, 1, 9), std::nullopt, 1),
      event("b", "gehuisvest", "begeleiding", utc(2024, 5, 3, 9), std::nullopt, 2),
  };
  const path::Path p = build(events);
  ASSERT_EQ(p.visits.size(), 1u);
  EXPECT_EQ(p.visits[0].left_ms, std::optional<int64_t>(utc(2024, 5, 1, 9)));
  EXPECT_EQ(p.visits[0].last_event_ms, utc(2024, 5, 3, 9));
  EXPECT_EQ(p.completed_ms, std::optional<int64_t>(utc(2024, 5, 1, 9)));
}

TEST(PathInputConv, KeepsWhatPathBuildingNeeds) {
  v1::ClientEvent e;
  e.set_event_id("x-1");
  e.set_chain_id("test-keten");
  e.set_client_ref("k-1");
  e.set_type("intake");
  e.set_partner_id("opvang");
  e.mutable_occurred_at()->set_seconds(1'700'000'000);
  e.mutable_occurred_at()->set_nanos(123'456'789);  // sub-ms part is dropped
  e.set_corrects_event_id("x-0");
  v1::PathInput in = path::path_input(e, 42);
  EXPECT_EQ(in.event_id(), "x-1");
  EXPECT_EQ(in.type(), "intake");
  EXPECT_EQ(in.partner_id(), "opvang");
  EXPECT_EQ(in.occurred_ms(), 1'700'000'000'123);
  EXPECT_FALSE(in.has_recorded_ms());
  EXPECT_EQ(in.seq(), 42u);
  EXPECT_EQ(in.corrects_event_id(), "x-0");
  EXPECT_FALSE(in.retracted());

  e.mutable_recorded_at()->set_seconds(1'700'000'060);
  e.set_retracted(true);
  in = path::path_input(e, 43);
  ASSERT_TRUE(in.has_recorded_ms());
  EXPECT_EQ(in.recorded_ms(), 1'700'000'060'000);
  EXPECT_TRUE(in.retracted());
}

// --- contributions -----------------------------------------------------------

class Contributions : public PathBuild {
 protected:
  std::vector<Contribution> of(const std::vector<v1::PathInput>& events) const {
    return kpi::contributions(chain_, build(events), events);
  }
};

std::vector<Contribution> find_all(const std::vector<Contribution>& cs, Measure m,
                                   const std::string& dim) {
  std::vector<Contribution> out;
  for (const auto& c : cs) {
    if (c.measure == m && c.dim == dim) out.push_back(c);
  }
  return out;
}

// The single contribution of (m, dim); a failure when there is not exactly one.
Contribution one(const std::vector<Contribution>& cs, Measure m, const std::string& dim) {
  auto all = find_all(cs, m, dim);
  EXPECT_EQ(all.size(), 1u) << "measure " << static_cast<int>(m) << " dim " << dim;
  return all.empty() ? Contribution{m, INT32_MIN, dim, -2, false} : all.front();
}

size_t count_measure(const std::vector<Contribution>& cs, Measure m) {
  return static_cast<size_t>(
      std::count_if(cs.begin(), cs.end(), [&](const auto& c) { return c.measure == m; }));
}

TEST(ContributionsPairDim, JoinsAndSplits) {
  EXPECT_EQ(kpi::pair_dim("opvang", "woning"), std::string("opvang\x1fwoning"));
  const std::string dim = kpi::pair_dim("opvang", "woning");
  auto [from, to] = kpi::split_pair_dim(dim);
  EXPECT_EQ(from, "opvang");
  EXPECT_EQ(to, "woning");
}

TEST_F(Contributions, ExactValuesOfAFullPath) {
  const auto cs = of(reference_client());
  const auto pair = kpi::pair_dim;

  // Entries on the local day of entry; e4 entered at 00:30 local on 21 March.
  EXPECT_EQ(one(cs, Measure::kStageEntries, "aanmelding").day, k0304);
  EXPECT_EQ(one(cs, Measure::kStageEntries, "opvang").day, k0305);
  EXPECT_EQ(one(cs, Measure::kStageEntries, "woning").day, k0321);
  EXPECT_EQ(one(cs, Measure::kStageEntries, "wonen").day, k0325);
  EXPECT_EQ(one(cs, Measure::kStageEntries, "woning").value_ms, -1);
  // Exits on the day of leaving; the terminal milestone closes `wonen`.
  EXPECT_EQ(one(cs, Measure::kStageExits, "aanmelding").day, k0305);
  EXPECT_EQ(one(cs, Measure::kStageExits, "opvang").day, k0321);
  EXPECT_EQ(one(cs, Measure::kStageExits, "woning").day, k0325);
  EXPECT_EQ(one(cs, Measure::kStageExits, "wonen").day, k0325);
  EXPECT_EQ(count_measure(cs, Measure::kStageReentries), 0u);

  // Stage duration = next entry - entry, on the day of the next entry.
  Contribution c = one(cs, Measure::kStageDuration, "aanmelding");
  EXPECT_EQ(c.value_ms, 24 * kHour);
  EXPECT_EQ(c.day, k0305);
  c = one(cs, Measure::kStageDuration, "opvang");
  EXPECT_EQ(c.value_ms, 15 * kDay + 14 * kHour + 30 * kMinute);  // 5 Mar 09:00 -> 20 Mar 23:30
  EXPECT_EQ(c.day, k0321);
  EXPECT_NE(c.day, k0320);  // not the UTC day
  c = one(cs, Measure::kStageDuration, "woning");
  EXPECT_EQ(c.value_ms, 4 * kDay + 8 * kHour + 30 * kMinute);  // 20 Mar 23:30 -> 25 Mar 08:00
  EXPECT_EQ(c.day, k0325);
  EXPECT_TRUE(find_all(cs, Measure::kStageDuration, "wonen").empty());

  // Transition delay = next entry - last event of the previous visit.
  c = one(cs, Measure::kTransitionDelay, pair("aanmelding", "opvang"));
  EXPECT_EQ(c.value_ms, 24 * kHour);
  EXPECT_TRUE(c.within_norm);  // exactly the 1-day norm
  EXPECT_EQ(c.day, k0305);
  c = one(cs, Measure::kTransitionDelay, pair("opvang", "woning"));
  EXPECT_EQ(c.value_ms, 14 * kDay + 11 * kHour + 30 * kMinute);  // from e3 (6 Mar 12:00)
  EXPECT_FALSE(c.within_norm);
  EXPECT_EQ(c.day, k0321);
  c = one(cs, Measure::kTransitionDelay, pair("woning", "wonen"));
  EXPECT_EQ(c.value_ms, 4 * kDay + 8 * kHour + 30 * kMinute);
  EXPECT_FALSE(c.within_norm);  // no norm set
  EXPECT_EQ(c.day, k0325);

  // Handovers between the last partner of a visit and the first of the next.
  c = one(cs, Measure::kHandoverDelay, pair("gemeente", "opvang"));
  EXPECT_EQ(c.value_ms, 24 * kHour);
  EXPECT_TRUE(c.within_norm);
  EXPECT_EQ(c.day, k0305);
  c = one(cs, Measure::kHandoverDelay, pair("gemeente", "corporatie"));  // e3's partner
  EXPECT_EQ(c.value_ms, 14 * kDay + 11 * kHour + 30 * kMinute);
  EXPECT_EQ(c.day, k0321);
  c = one(cs, Measure::kHandoverDelay, pair("corporatie", "begeleiding"));
  EXPECT_EQ(c.value_ms, 4 * kDay + 8 * kHour + 30 * kMinute);
  EXPECT_TRUE(find_all(cs, Measure::kHandoverDelay, pair("opvang", "corporatie")).empty());

  // Case duration and lead time: 4 Mar 09:00 -> 25 Mar 08:00.
  c = one(cs, Measure::kCaseDuration, "");
  EXPECT_EQ(c.value_ms, 20 * kDay + 23 * kHour);
  EXPECT_EQ(c.day, k0325);
  c = one(cs, Measure::kLeadTime, "");
  EXPECT_EQ(c.value_ms, 20 * kDay + 23 * kHour);
  EXPECT_EQ(c.day, k0325);

  // 4 entries, 4 exits, 3 durations, 3 transitions, 3 handovers, case, lead.
  EXPECT_EQ(cs.size(), 19u);
}

TEST_F(Contributions, HandoverOnlyWhenPartnersDiffer) {
  const std::vector<v1::PathInput> events = {
      // The shelter registers the client itself, then does the intake.
      event("a", "aangemeld", "opvang", utc(2024, 5, 1, 9), std::nullopt, 1),
      event("b", "intake", "opvang", utc(2024, 5, 1, 10), std::nullopt, 2),
      event("c", "woning_toegewezen", "corporatie", utc(2024, 5, 6, 10), std::nullopt, 3),
  };
  const auto cs = of(events);
  EXPECT_EQ(count_measure(cs, Measure::kTransitionDelay), 2u);
  ASSERT_EQ(count_measure(cs, Measure::kHandoverDelay), 1u);
  const Contribution h = one(cs, Measure::kHandoverDelay, kpi::pair_dim("opvang", "corporatie"));
  EXPECT_EQ(h.value_ms, 5 * kDay);
  EXPECT_TRUE(h.within_norm);  // 5 days within the 14-day opvang -> woning norm
  EXPECT_EQ(one(cs, Measure::kTransitionDelay, kpi::pair_dim("aanmelding", "opvang")).value_ms,
            1 * kHour);
}

TEST_F(Contributions, WithinNormAtTheBoundaryAndFromTheLastEvent) {
  // Two events in aanmelding; the delay runs from the second one.
  const std::vector<v1::PathInput> exact = {
      event("a", "aangemeld", "gemeente", utc(2024, 5, 1, 9), std::nullopt, 1),
      event("b", "aangemeld", "gemeente", utc(2024, 5, 1, 12), std::nullopt, 2),
      event("c", "intake", "opvang", utc(2024, 5, 2, 12), std::nullopt, 3),
  };
  auto cs = of(exact);
  Contribution t = one(cs, Measure::kTransitionDelay, kpi::pair_dim("aanmelding", "opvang"));
  EXPECT_EQ(t.value_ms, kDay);
  EXPECT_TRUE(t.within_norm);
  EXPECT_EQ(one(cs, Measure::kStageDuration, "aanmelding").value_ms, 27 * kHour);

  auto over = exact;
  over[2].set_occurred_ms(utc(2024, 5, 2, 12) + 1);  // one millisecond over
  cs = of(over);
  t = one(cs, Measure::kTransitionDelay, kpi::pair_dim("aanmelding", "opvang"));
  EXPECT_EQ(t.value_ms, kDay + 1);
  EXPECT_FALSE(t.within_norm);
  EXPECT_FALSE(one(cs, Measure::kHandoverDelay, kpi::pair_dim("gemeente", "opvang")).within_norm);

  // 14-day norm: exactly 14 days is within.
  const std::vector<v1::PathInput> fourteen = {
      event("a", "intake", "opvang", utc(2024, 5, 1, 9), std::nullopt, 1),
      event("b", "woning_toegewezen", "corporatie", utc(2024, 5, 15, 9), std::nullopt, 2),
  };
  t = one(of(fourteen), Measure::kTransitionDelay, kpi::pair_dim("opvang", "woning"));
  EXPECT_EQ(t.value_ms, 14 * kDay);
  EXPECT_TRUE(t.within_norm);
}

TEST_F(Contributions, DayIsTheLocalDayInAmsterdam) {
  // Summer time (CEST, UTC+2): 22:30Z is 00:30 on the next local day, 21:59:59Z
  // is still 23:59:59 on 1 July.
  std::vector<v1::PathInput> events = {
      event("a", "aangemeld", "gemeente", utc(2024, 7, 1, 8), std::nullopt, 1),
      event("b", "intake", "opvang", utc(2024, 7, 1, 22, 30), std::nullopt, 2),
  };
  auto cs = of(events);
  EXPECT_EQ(one(cs, Measure::kTransitionDelay, kpi::pair_dim("aanmelding", "opvang")).day,
            k0701 + 1);
  EXPECT_EQ(one(cs, Measure::kStageEntries, "aanmelding").day, k0701);
  EXPECT_EQ(one(cs, Measure::kStageEntries, "opvang").day, k0701 + 1);
  EXPECT_EQ(one(cs, Measure::kCaseDuration, "").day, k0701 + 1);
  EXPECT_EQ(one(cs, Measure::kCaseDuration, "").value_ms, 14 * kHour + 30 * kMinute);

  events[1].set_occurred_ms(utc(2024, 7, 1, 21, 59, 59));
  cs = of(events);
  EXPECT_EQ(one(cs, Measure::kTransitionDelay, kpi::pair_dim("aanmelding", "opvang")).day, k0701);
  EXPECT_EQ(one(cs, Measure::kCaseDuration, "").day, k0701);
}

TEST_F(Contributions, ReentryCaseDurationAndLeadTime) {
  auto events = reference_client();
  events.push_back(event("e6", "intake", "opvang", utc(2024, 4, 10, 9), std::nullopt, 6));
  const auto cs = of(events);
  const Contribution r = one(cs, Measure::kStageReentries, "opvang");
  EXPECT_EQ(r.day, k0304 + 37);  // 10 April
  EXPECT_EQ(find_all(cs, Measure::kStageEntries, "opvang").size(), 2u);
  // wonen now lasts until the re-entry.
  const Contribution d = one(cs, Measure::kStageDuration, "wonen");
  EXPECT_EQ(d.value_ms, 16 * kDay + kHour);  // 25 Mar 08:00Z -> 10 Apr 09:00Z
  EXPECT_EQ(one(cs, Measure::kStageExits, "wonen").day, k0304 + 37);
  EXPECT_EQ(find_all(cs, Measure::kStageExits, "opvang").size(), 1u);
  // Lead time ends at the terminal milestone, case duration at the last event.
  EXPECT_EQ(one(cs, Measure::kLeadTime, "").value_ms, 20 * kDay + 23 * kHour);
  EXPECT_EQ(one(cs, Measure::kLeadTime, "").day, k0325);
  EXPECT_EQ(one(cs, Measure::kCaseDuration, "").value_ms, 37 * kDay);  // 4 Mar 09 -> 10 Apr 09
  EXPECT_EQ(one(cs, Measure::kCaseDuration, "").day, k0304 + 37);
}

TEST_F(Contributions, EmptyPathContributesNothing) {
  const std::vector<v1::PathInput> events = {
      withdrawal("w", "x", "opvang", std::nullopt, 1),
  };
  EXPECT_TRUE(of(events).empty());
}

TEST_F(Contributions, AddAndRetractCancel) {
  const auto cs = of(reference_client());
  store::Aggregate agg;
  for (const auto& c : cs) {
    if (c.measure == Measure::kTransitionDelay) kpi::add_contribution(agg, c, +1);
  }
  EXPECT_EQ(agg.count, 3);
  EXPECT_EQ(agg.within, 1);
  EXPECT_EQ(agg.sum_ms, 24 * kHour + (14 * kDay + 11 * kHour + 30 * kMinute) +
                            (4 * kDay + 8 * kHour + 30 * kMinute));
  int64_t in_buckets = 0;
  for (const auto& [bucket, n] : agg.buckets) in_buckets += n;
  EXPECT_EQ(in_buckets, 3);
  for (const auto& c : cs) {
    if (c.measure == Measure::kTransitionDelay) kpi::add_contribution(agg, c, -1);
  }
  EXPECT_TRUE(agg.empty());
}

}  // namespace
}  // namespace ketenflow
