// The partner-system simulator: connectors/simulate/simulator.h.
//
// Runs the simulator on the real chain files (chains/*.yaml) and checks the
// stream a topic would see: deterministic, valid against the chain, journeys
// in path order with the expected share of drop-outs and re-entries, and
// delivery faults (late, duplicate, corrected) at the requested rates.
#include "connectors/simulate/simulator.h"
#include "model/event.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include "model/chain.h"
#include "model/chain_file.h"

namespace ketenflow::simulate {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::string chain_file(const std::string& name) {
  const char* root = std::getenv("KETENFLOW_SOURCE_DIR");
  const std::filesystem::path base =
      root != nullptr ? std::filesystem::path(root)
                      : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  return (base / "chains" / (name + ".yaml")).string();
}

model::ChainModel load(const std::string& name) {
  auto chain = model::load_chain_file(chain_file(name));
  EXPECT_TRUE(chain.ok()) << chain.error();
  return chain.ok() ? std::move(*chain) : model::ChainModel{};
}

std::vector<v1::ClientEvent> run(const model::ChainModel& chain, const SimulationOptions& options) {
  std::vector<v1::ClientEvent> events;
  const uint64_t count =
      simulate(chain, options, [&](const v1::ClientEvent& event) { events.push_back(event); });
  EXPECT_EQ(count, events.size());
  return events;
}

// Map entries in key order, so equal events give equal bytes.
std::string bytes(const v1::ClientEvent& event) { return model::canonical_bytes(event); }

int64_t ms(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000 + ts.nanos() / 1'000'000;
}

// "<chain>-<client index>-<seq>": the sequence number within the client.
uint32_t seq_of(const std::string& event_id) {
  return static_cast<uint32_t>(std::stoul(event_id.substr(event_id.rfind('-') + 1)));
}

bool looks_like_bsn(const std::string& ref) {
  return ref.size() == 9 &&
         std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_pseudonym(const std::string& ref) {
  if (ref.size() != 18 || ref.compare(0, 2, "c-") != 0) return false;
  return std::all_of(ref.begin() + 2, ref.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

SimulationOptions clients(uint64_t n, uint64_t seed = 11) {
  SimulationOptions options;
  options.clients = n;
  options.seed = seed;
  return options;
}

// The original events of each client in path order (by sequence number).
std::map<std::string, std::vector<const v1::ClientEvent*>> journeys(
    const std::vector<v1::ClientEvent>& events) {
  std::map<std::string, std::vector<const v1::ClientEvent*>> by_client;
  for (const auto& e : events) {
    if (e.corrects_event_id().empty()) by_client[e.client_ref()].push_back(&e);
  }
  for (auto& [ref, list] : by_client) {
    std::sort(list.begin(), list.end(), [](const v1::ClientEvent* a, const v1::ClientEvent* b) {
      return seq_of(a->event_id()) < seq_of(b->event_id());
    });
  }
  return by_client;
}

TEST(Simulator, SameSeedGivesTheSameStreamAndAnotherSeedAnother) {
  const model::ChainModel chain = load("wonen-eerst");
  SimulationOptions options = clients(300, 7);
  options.disorder = 0.05;
  options.duplicates = 0.05;
  options.corrections = 0.05;
  auto stream = [&](const SimulationOptions& o) {
    std::string all;
    simulate(chain, o, [&](const v1::ClientEvent& e) { all += bytes(e); });
    return all;
  };
  const std::string first = stream(options);
  EXPECT_GT(first.size(), 300u * 8 * 80);
  EXPECT_EQ(first, stream(options));
  SimulationOptions other = options;
  other.seed = 8;
  EXPECT_NE(first, stream(other));
}

TEST(Simulator, EveryEventIsValidAgainstItsChain) {
  for (const std::string name : {"wonen-eerst", "detentie-terugkeer", "schulden-werk"}) {
    SCOPED_TRACE(name);
    const model::ChainModel chain = load(name);
    SimulationOptions options = clients(2000);
    options.disorder = 0.1;
    options.duplicates = 0.1;
    options.corrections = 0.1;
    const auto events = run(chain, options);
    ASSERT_GT(events.size(), 2000u * 5);
    std::unordered_set<std::string> seen_bytes;
    std::unordered_set<std::string> ids;
    for (const auto& e : events) {
      const bool repeat = !seen_bytes.insert(bytes(e)).second;
      if (!repeat) {
        EXPECT_TRUE(ids.insert(e.event_id()).second) << "event id reused: " << e.event_id();
      }
      EXPECT_EQ(e.chain_id(), name);
      const int milestone = chain.milestone(e.type());
      ASSERT_GE(milestone, 0) << e.type();
      EXPECT_TRUE(chain.partner_may_report(milestone, chain.partner(e.partner_id())))
          << e.partner_id() << " may not report " << e.type();
      EXPECT_GE(ms(e.recorded_at()), ms(e.occurred_at())) << e.event_id();
      if (e.corrects_event_id().empty()) {
        EXPECT_LE(ms(e.recorded_at()) - ms(e.occurred_at()), kDayMs) << e.event_id();
      }
      EXPECT_TRUE(is_pseudonym(e.client_ref())) << e.client_ref();
      EXPECT_FALSE(looks_like_bsn(e.client_ref()));
      EXPECT_EQ(e.client_ref().find('@'), std::string::npos);
      EXPECT_EQ(e.event_id().rfind(name + "-", 0), 0u) << e.event_id();
    }
  }
}

TEST(Simulator, CleanDeliveryIsSortedByRecordedAt) {
  const model::ChainModel chain = load("detentie-terugkeer");
  const auto events = run(chain, clients(1000));
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_LE(ms(events[i - 1].recorded_at()), ms(events[i].recorded_at())) << "at " << i;
  }
}

// Per chain: journeys in path order, drop-outs and re-entries at about the
// intended rates (12 % of runs, 8 % of completed clients), arrivals in the year.
struct JourneyStats {
  double events_per_client = 0;
  double dropped = 0;    // share of clients whose last event is not terminal
  double reentered = 0;  // share of clients completing once that came back
  double breached = 0;   // share of normed handovers over the norm
  std::set<std::string> reentry_stages;
};

JourneyStats check_journeys(const model::ChainModel& chain, const SimulationOptions& options) {
  JourneyStats stats;
  const auto events = run(chain, options);
  const auto by_client = journeys(events);
  EXPECT_EQ(by_client.size(), options.clients);
  int dropped = 0;
  int completed_once = 0;
  int reentered = 0;
  int normed = 0;
  int breached = 0;
  for (const auto& [ref, list] : by_client) {
    const int64_t arrival = ms(list.front()->occurred_at());
    EXPECT_GE(arrival, options.start_ms);
    EXPECT_LT(arrival, options.start_ms + 365 * kDayMs);
    const int first_stage = chain.milestones[chain.milestone(list.front()->type())].stage;
    EXPECT_EQ(chain.stage_rank(first_stage), 1u) << ref << " starts at " << list.front()->type();
    bool reentry = false;
    for (size_t i = 1; i < list.size(); ++i) {
      const auto& prev = *list[i - 1];
      const auto& cur = *list[i];
      EXPECT_EQ(seq_of(cur.event_id()), i) << cur.event_id();
      EXPECT_LT(ms(prev.occurred_at()), ms(cur.occurred_at())) << cur.event_id();
      const auto& prev_info = chain.milestones[chain.milestone(prev.type())];
      const int stage = chain.milestones[chain.milestone(cur.type())].stage;
      const uint32_t prev_rank = chain.stage_rank(prev_info.stage);
      const uint32_t rank = chain.stage_rank(stage);
      if (prev_info.terminal) {
        // Only a completed client comes back, and only to an early stage.
        EXPECT_LT(rank, prev_rank) << cur.event_id();
        EXPECT_LE(rank, 2u) << cur.event_id();
        stats.reentry_stages.insert(chain.stage_id(stage));
        reentry = true;
      } else {
        EXPECT_GE(rank, prev_rank) << cur.event_id() << " goes back without completing";
        EXPECT_LE(rank, prev_rank + 1) << cur.event_id() << " skips a stage";
      }
      if (stage != prev_info.stage) {
        if (auto norm = chain.norm(prev_info.stage, stage)) {
          ++normed;
          const double days = static_cast<double>(ms(cur.occurred_at()) - ms(prev.occurred_at())) /
                              static_cast<double>(kDayMs);
          if (days > *norm) ++breached;
        }
      }
    }
    const bool ends_terminal = chain.milestones[chain.milestone(list.back()->type())].terminal;
    if (reentry || ends_terminal) ++completed_once;
    if (!ends_terminal) ++dropped;
    if (reentry) ++reentered;
  }
  const double n = static_cast<double>(by_client.size());
  stats.events_per_client = static_cast<double>(events.size()) / n;
  stats.dropped = dropped / n;
  stats.reentered = completed_once > 0 ? static_cast<double>(reentered) / completed_once : 0;
  stats.breached = normed > 0 ? static_cast<double>(breached) / normed : 0;
  testing::Test::RecordProperty("events_per_client", std::to_string(stats.events_per_client));
  testing::Test::RecordProperty("dropped", std::to_string(stats.dropped));
  testing::Test::RecordProperty("reentered", std::to_string(stats.reentered));
  testing::Test::RecordProperty("breached", std::to_string(stats.breached));
  return stats;
}

TEST(Simulator, WonenEerstJourneys) {
  const model::ChainModel chain = load("wonen-eerst");
  const JourneyStats stats = check_journeys(chain, clients(2000));
  EXPECT_GT(stats.events_per_client, 8.5);
  EXPECT_LT(stats.events_per_client, 10.5);
  EXPECT_GT(stats.dropped, 0.08);
  EXPECT_LT(stats.dropped, 0.18);
  EXPECT_GT(stats.reentered, 0.05);
  EXPECT_LT(stats.reentered, 0.11);
  EXPECT_GT(stats.breached, 0.10);
  EXPECT_LT(stats.breached, 0.45);
  // Back to the shelter: the municipality's sign-up is skipped.
  EXPECT_EQ(stats.reentry_stages, std::set<std::string>{"intake_opvang"});
}

TEST(Simulator, DetentieJourneysStartOverAtInsluiting) {
  const model::ChainModel chain = load("detentie-terugkeer");
  const JourneyStats stats = check_journeys(chain, clients(2000));
  EXPECT_GT(stats.events_per_client, 10.5);
  EXPECT_LT(stats.events_per_client, 13.5);
  EXPECT_GT(stats.dropped, 0.08);
  EXPECT_LT(stats.dropped, 0.18);
  EXPECT_GT(stats.reentered, 0.05);
  EXPECT_LT(stats.reentered, 0.11);
  EXPECT_EQ(stats.reentry_stages, std::set<std::string>{"insluiting"});
}

TEST(Simulator, SchuldenJourneys) {
  const model::ChainModel chain = load("schulden-werk");
  const JourneyStats stats = check_journeys(chain, clients(2000));
  EXPECT_GT(stats.events_per_client, 9.0);
  EXPECT_LT(stats.events_per_client, 11.5);
  EXPECT_GT(stats.dropped, 0.08);
  EXPECT_LT(stats.dropped, 0.18);
  EXPECT_GT(stats.reentered, 0.05);
  EXPECT_LT(stats.reentered, 0.11);
  EXPECT_GT(stats.breached, 0.05);
  EXPECT_LT(stats.breached, 0.45);
}

TEST(Simulator, FirstEventOfARunNamesTheMunicipalityAndSomeAreUrgent) {
  const model::ChainModel chain = load("schulden-werk");
  const auto events = run(chain, clients(2000));
  int with_gemeente = 0;
  int urgent = 0;
  for (const auto& [ref, list] : journeys(events)) {
    const auto& attributes = list.front()->attributes();
    EXPECT_EQ(attributes.count("gemeente"), 1u) << ref;
    for (const auto* e : list) {
      with_gemeente += e->attributes().count("gemeente") ? 1 : 0;
      urgent += e->attributes().count("urgent") ? 1 : 0;
      if (e->attributes().count("urgent")) {
        EXPECT_EQ(e->attributes().at("urgent"), "true");
      }
    }
  }
  EXPECT_GE(with_gemeente, 2000);
  EXPECT_GT(urgent, 2000 * 0.06);
  EXPECT_LT(urgent, 2000 * 0.15);
}

TEST(Simulator, DuplicatesAreExactRepeatsAtTheRequestedRate) {
  const model::ChainModel chain = load("wonen-eerst");
  const auto clean = run(chain, clients(2000));
  SimulationOptions options = clients(2000);
  options.duplicates = 0.1;
  const auto events = run(chain, options);
  std::unordered_set<std::string> seen;
  std::vector<std::string> unique;
  size_t repeats = 0;
  for (const auto& e : events) {
    std::string b = bytes(e);
    if (seen.insert(b).second) {
      unique.push_back(std::move(b));
    } else {
      ++repeats;
    }
  }
  const double rate = static_cast<double>(repeats) / static_cast<double>(unique.size());
  EXPECT_GT(rate, 0.085);
  EXPECT_LT(rate, 0.115);
  // Without the repeats it is exactly the clean stream's set of events.
  std::vector<std::string> expected;
  for (const auto& e : clean) expected.push_back(bytes(e));
  std::sort(expected.begin(), expected.end());
  std::sort(unique.begin(), unique.end());
  EXPECT_EQ(unique, expected);
}

TEST(Simulator, DisorderDeliversLateButKeepsTheEvents) {
  const model::ChainModel chain = load("wonen-eerst");
  const auto clean = run(chain, clients(2000));
  SimulationOptions options = clients(2000);
  options.disorder = 0.1;
  const auto events = run(chain, options);
  ASSERT_EQ(events.size(), clean.size());
  size_t late = 0;
  int64_t newest = 0;
  for (const auto& e : events) {
    if (ms(e.recorded_at()) < newest) ++late;
    newest = std::max(newest, ms(e.recorded_at()));
  }
  const double share = static_cast<double>(late) / static_cast<double>(events.size());
  EXPECT_GT(share, 0.03);
  EXPECT_LT(share, 0.12);
  std::vector<std::string> got;
  std::vector<std::string> expected;
  for (const auto& e : events) got.push_back(bytes(e));
  for (const auto& e : clean) expected.push_back(bytes(e));
  EXPECT_NE(got, expected);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
}

TEST(Simulator, CorrectionsReferToEarlierEventsOfTheSameClient) {
  const model::ChainModel chain = load("wonen-eerst");
  SimulationOptions options = clients(2000);
  options.corrections = 0.1;
  const auto events = run(chain, options);
  std::unordered_map<std::string, const v1::ClientEvent*> delivered;
  std::unordered_map<std::string, std::vector<int64_t>> path;  // client -> occurred by seq
  for (const auto& [ref, list] : journeys(events)) {
    for (const auto* e : list) path[ref].push_back(ms(e->occurred_at()));
  }
  size_t originals = 0;
  size_t corrections = 0;
  size_t withdrawals = 0;
  for (const auto& e : events) {
    if (e.corrects_event_id().empty()) {
      ++originals;
      delivered[e.event_id()] = &e;
      continue;
    }
    auto it = delivered.find(e.corrects_event_id());
    ASSERT_NE(it, delivered.end()) << e.event_id() << " corrects an event not seen before";
    const v1::ClientEvent& original = *it->second;
    EXPECT_EQ(e.event_id(), original.event_id() + "-c1");
    EXPECT_EQ(e.client_ref(), original.client_ref());
    EXPECT_EQ(e.chain_id(), original.chain_id());
    EXPECT_EQ(e.type(), original.type());
    EXPECT_EQ(e.partner_id(), original.partner_id());
    EXPECT_GT(ms(e.recorded_at()), ms(original.recorded_at()));
    const uint32_t seq = seq_of(original.event_id());
    if (e.retracted()) {
      ++withdrawals;
      EXPECT_GT(seq, 0u) << "the first event of a client is never withdrawn";
      continue;
    }
    ++corrections;
    const int64_t shift = ms(e.occurred_at()) - ms(original.occurred_at());
    EXPECT_LE(std::abs(shift), kDayMs);
    // Stays between the neighbouring milestones of the path.
    const auto& occurred = path[e.client_ref()];
    if (seq > 0) {
      EXPECT_GT(ms(e.occurred_at()), occurred[seq - 1]) << e.event_id();
    }
    if (seq + 1 < occurred.size()) {
      EXPECT_LT(ms(e.occurred_at()), occurred[seq + 1]) << e.event_id();
    }
  }
  const double rate =
      static_cast<double>(corrections + withdrawals) / static_cast<double>(originals);
  EXPECT_GT(rate, 0.085);
  EXPECT_LT(rate, 0.115);
  const double withdrawn = static_cast<double>(withdrawals) / (corrections + withdrawals);
  EXPECT_GT(withdrawn, 0.1);
  EXPECT_LT(withdrawn, 0.3);
}

// Generic over any chain: no terminal milestone, no norms, no ranks given.
TEST(Simulator, WorksForAChainWithoutTerminalOrNorms) {
  v1::Chain def;
  def.set_id("mini");
  for (const char* p : {"a", "b"}) def.add_partners()->set_id(p);
  auto* s1 = def.add_stages();
  s1->set_id("een");
  s1->set_owner("a");
  auto* s2 = def.add_stages();
  s2->set_id("twee");
  s2->set_owner("b");
  auto add = [&](const char* id, const char* stage, std::vector<std::string> partners) {
    auto* m = def.add_milestones();
    m->set_id(id);
    m->set_stage(stage);
    for (auto& p : partners) m->add_partners(p);
  };
  add("start", "een", {"a"});
  add("verder", "een", {"a", "b"});
  add("klaar", "twee", {"a", "b"});
  auto chain = model::make_chain_model(def);
  ASSERT_TRUE(chain.ok()) << chain.error();
  const auto events = run(*chain, clients(1000));
  const auto by_client = journeys(events);
  ASSERT_EQ(by_client.size(), 1000u);
  size_t short_paths = 0;
  size_t owner_reports = 0;
  size_t verder = 0;
  for (const auto& [ref, list] : by_client) {
    EXPECT_LE(list.size(), 3u) << "no terminal milestone, so no re-entry";
    EXPECT_EQ(list.front()->type(), "start");
    if (list.size() < 3) ++short_paths;
    for (const auto* e : list) {
      if (e->type() != "verder") continue;
      ++verder;
      if (e->partner_id() == "a") ++owner_reports;
    }
  }
  EXPECT_GT(short_paths, 60u);
  EXPECT_LT(short_paths, 180u);
  // The stage owner reports when allowed, most of the time.
  const double owner_share = static_cast<double>(owner_reports) / static_cast<double>(verder);
  EXPECT_GT(owner_share, 0.7);
  EXPECT_LT(owner_share, 0.9);
}

}  // namespace
}  // namespace ketenflow::simulate
