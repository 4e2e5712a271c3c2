// End-to-end checks of the invariants in DESIGN.md §3 and the path rules of
// §4, driving the real `ketenflow` binary as a user would.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace {

namespace it = ketenflow::it;
using it::Counts;
using it::expect_same_kpis;
using it::kpi;
using it::kpi_outputs;
using it::Ok;
using it::parse_counts;
using it::SameText;
using it::simulate;
using it::wonen_eerst;
using nlohmann::json;

// ---------------------------------------------------------------------------
// Helpers

it::RunResult ingest(const std::string& data, const std::string& file,
                     const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"ingest", "--data", data, "--chains", wonen_eerst(), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(file);
  return it::ketenflow(args);
}

std::optional<json> parse_json(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << text.substr(0, 500);
    return std::nullopt;
  }
}

std::set<std::string> client_refs(const std::vector<std::string>& ndjson_lines) {
  std::set<std::string> refs;
  for (const std::string& line : ndjson_lines) refs.insert(json::parse(line).at("clientRef"));
  return refs;
}

// Shuffled copy, then 10 % of the lines moved to the end (late), then 10 %
// duplicates: exact copies of random lines inserted at random later positions.
std::vector<std::string> shuffled_late_duplicated(const std::vector<std::string>& lines,
                                                  std::mt19937_64& rng, size_t* duplicates) {
  std::vector<std::string> shuffled = lines;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);

  std::vector<size_t> order(shuffled.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> late(shuffled.size(), false);
  for (size_t i = 0; i < shuffled.size() / 10; ++i) late[order[i]] = true;
  std::vector<std::string> arranged;
  std::vector<std::string> tail;
  for (size_t i = 0; i < shuffled.size(); ++i) {
    (late[i] ? tail : arranged).push_back(shuffled[i]);
  }
  arranged.insert(arranged.end(), tail.begin(), tail.end());

  struct Insert {
    size_t before;  // inserted before arranged[before] (or at the end)
    size_t source;
  };
  std::vector<Insert> inserts;
  const size_t n = arranged.size();
  for (size_t k = 0; k < n / 10; ++k) {
    const size_t source = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
    const size_t before = std::uniform_int_distribution<size_t>(source + 1, n)(rng);
    inserts.push_back({before, source});
  }
  std::stable_sort(inserts.begin(), inserts.end(),
                   [](const Insert& a, const Insert& b) { return a.before < b.before; });
  std::vector<std::string> out;
  out.reserve(n + inserts.size());
  size_t next = 0;
  for (size_t i = 0; i <= n; ++i) {
    while (next < inserts.size() && inserts[next].before == i) {
      out.push_back(arranged[inserts[next++].source]);
    }
    if (i < n) out.push_back(arranged[i]);
  }
  *duplicates = inserts.size();
  return out;
}

// ---------------------------------------------------------------------------
// Invariant 1: order-free.

TEST(OrderFree, ShuffledDuplicatedLateAndRebuiltGiveIdenticalKpis) {
  it::TempDir tmp;
  const std::string sim = tmp / "sim.ndjson";
  ASSERT_TRUE(Ok(simulate(sim, 3000, 7)));
  const std::vector<std::string> lines = it::split_lines(it::read_file(sim));
  ASSERT_GT(lines.size(), 20000u);
  const size_t clients = client_refs(lines).size();
  ASSERT_EQ(clients, 3000u);

  std::mt19937_64 rng(20240607);
  std::vector<std::string> shuffled = lines;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  size_t duplicates = 0;
  const std::vector<std::string> faulty = shuffled_late_duplicated(lines, rng, &duplicates);
  ASSERT_EQ(faulty.size(), lines.size() + duplicates);
  it::write_file(tmp / "shuffled.ndjson", it::join_lines(shuffled));
  it::write_file(tmp / "faulty.ndjson", it::join_lines(faulty));

  // (a) in order, (b) shuffled, (c) shuffled + late + duplicates; batch sizes
  // differ so late events and duplicates cross batch boundaries.
  struct Variant {
    std::string name, file, data, batch;
    uint64_t duplicates;
  };
  const std::vector<Variant> variants = {
      {"in order", sim, tmp / "a", "20000", 0},
      {"shuffled", tmp / "shuffled.ndjson", tmp / "b", "1000", 0},
      {"shuffled+late+duplicates", tmp / "faulty.ndjson", tmp / "c", "777", duplicates},
  };
  std::map<std::string, std::map<std::string, std::string>> outputs;
  for (const Variant& v : variants) {
    const it::RunResult r = ingest(v.data, v.file, {"--batch", v.batch});
    ASSERT_TRUE(Ok(r)) << v.name;
    const Counts c = parse_counts(r.out);
    ASSERT_TRUE(c.found) << v.name << ": " << r.describe();
    EXPECT_EQ(c.accepted, lines.size()) << v.name;
    EXPECT_EQ(c.duplicates, v.duplicates) << v.name;
    EXPECT_EQ(c.rejected, 0u) << v.name;
    outputs[v.name] = kpi_outputs(v.data, "wonen-eerst");
  }

  // The KPIs are not trivially empty.
  const auto kpis = parse_json(outputs["in order"]["json"]);
  ASSERT_TRUE(kpis);
  ASSERT_TRUE(kpis->contains("stages"));
  ASSERT_FALSE((*kpis)["stages"].empty());
  for (const json& stage : (*kpis)["stages"]) {
    EXPECT_GT(stage.at("entries").get<int64_t>(), 0) << stage.dump();
  }
  ASSERT_FALSE((*kpis)["transitions"].empty());
  int64_t transitions = 0;
  for (const json& t : (*kpis)["transitions"]) transitions += t.at("count").get<int64_t>();
  EXPECT_GT(transitions, 0);
  EXPECT_EQ((*kpis)["caseDuration"]["count"].get<uint64_t>(), clients);
  // The chain measures are in what is compared, in both views, with clients.
  for (const std::string view : {"json", "json cohort by month"}) {
    const auto report = parse_json(outputs["in order"][view]);
    ASSERT_TRUE(report) << view;
    ASSERT_EQ((*report)["measures"].size(), 7u) << view;
    for (const json& m : (*report)["measures"]) {
      if (m.at("measure") == "aanmelding_sleutel") {
        EXPECT_GT(m.at("clients").get<int64_t>(), 1000) << view << " " << m.dump();
      }
    }
  }
  EXPECT_NE(outputs["in order"]["csv cohort"].find(",niet_terug_opvang_12m,"), std::string::npos);

  for (const Variant& v : variants) {
    expect_same_kpis(v.name + " vs in order", outputs["in order"], outputs[v.name]);
  }

  // (d) store (a) rebuilt from its stored events.
  const it::RunResult rebuilt = it::ketenflow({"rebuild", "--data", tmp / "a"});
  ASSERT_TRUE(Ok(rebuilt));
  expect_same_kpis("rebuild vs in order", outputs["in order"],
                   kpi_outputs(tmp / "a", "wonen-eerst"));
}

TEST(OrderFree, EngineFaultInjectionSimulatedOrderVsShuffled) {
  it::TempDir tmp;
  const std::string sim = tmp / "faults.ndjson";
  ASSERT_TRUE(Ok(simulate(sim, 3000, 7,
                          {"--disorder", "0.1", "--duplicates", "0.05", "--corrections", "0.05"})));
  const std::vector<std::string> lines = it::split_lines(it::read_file(sim));
  ASSERT_GT(lines.size(), 20000u);
  const size_t corrections =
      static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
        return l.find("correctsEventId") != std::string::npos;
      }));
  ASSERT_GT(corrections, 0u) << "the simulation should contain corrections";

  std::vector<std::string> shuffled = lines;
  std::mt19937_64 rng(77);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  it::write_file(tmp / "shuffled.ndjson", it::join_lines(shuffled));

  const it::RunResult a = ingest(tmp / "a", sim, {"--batch", "5000"});
  ASSERT_TRUE(Ok(a));
  const it::RunResult b = ingest(tmp / "b", tmp / "shuffled.ndjson", {"--batch", "999"});
  ASSERT_TRUE(Ok(b));
  const Counts ca = parse_counts(a.out);
  const Counts cb = parse_counts(b.out);
  ASSERT_TRUE(ca.found && cb.found) << a.describe() << "\n" << b.describe();
  EXPECT_EQ(ca.accepted + ca.duplicates + ca.rejected, lines.size());
  EXPECT_EQ(cb.accepted + cb.duplicates + cb.rejected, lines.size());
  EXPECT_GT(ca.duplicates, 0u);
  EXPECT_EQ(ca.accepted, cb.accepted);
  EXPECT_EQ(ca.duplicates, cb.duplicates);
  EXPECT_EQ(ca.rejected, 0u) << a.out;
  EXPECT_EQ(cb.rejected, 0u) << b.out;

  const auto in_order = kpi_outputs(tmp / "a", "wonen-eerst");
  const auto kpis = parse_json(in_order.at("json"));
  ASSERT_TRUE(kpis);
  ASSERT_FALSE((*kpis)["transitions"].empty());
  EXPECT_GT((*kpis)["transitions"][0]["count"].get<int64_t>(), 0);
  expect_same_kpis("shuffled vs simulated order", in_order, kpi_outputs(tmp / "b", "wonen-eerst"));

  ASSERT_TRUE(Ok(it::ketenflow({"rebuild", "--data", tmp / "b"})));
  expect_same_kpis("rebuilt shuffled vs simulated order", in_order,
                   kpi_outputs(tmp / "b", "wonen-eerst"));
}

// ---------------------------------------------------------------------------
// Invariant 2: effectively once.

TEST(Crash, KilledIngestResumesToIdenticalState) {
  it::TempDir tmp;
  const std::string sim = tmp / "events.pb";
  const it::RunResult s = simulate(sim, 10500, 7);
  ASSERT_TRUE(Ok(s));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s.err, m, std::regex(R"(wrote (\d+) events)"))) << s.describe();
  const uint64_t events = std::stoull(m[1]);
  ASSERT_GE(events, 100000u);

  const std::vector<std::string> base{"ingest",  "--data", "",        "--chains", wonen_eerst(),
                                      "--batch", "2000",   "--quiet", sim};
  auto command = [&](const std::string& data) {
    std::vector<std::string> argv{it::bin()};
    argv.insert(argv.end(), base.begin(), base.end());
    argv[3] = data;
    return argv;
  };

  // A: uninterrupted, timed.
  const it::RunResult a = it::run(command(tmp / "A"));
  ASSERT_TRUE(Ok(a));
  const Counts ca = parse_counts(a.out);
  ASSERT_TRUE(ca.found) << a.describe();
  ASSERT_EQ(ca.accepted, events);
  const double full_seconds = a.elapsed.count();

  // B: killed at random moments, restarted each time.
  std::mt19937_64 rng(0xC0FFEE);
  std::uniform_real_distribution<double> fraction(0.1, 0.35);
  int kills = 0;
  bool completed = false;
  std::string log;
  for (int attempt = 0; attempt < 5 && !completed; ++attempt) {
    const auto delay =
        std::chrono::microseconds(static_cast<int64_t>(fraction(rng) * full_seconds * 1e6));
    const it::KillResult k = it::run_and_kill_after(command(tmp / "B"), delay);
    log += "attempt " + std::to_string(attempt) + ": kill after " +
           std::to_string(delay.count() / 1000) + " ms -> " + (k.killed ? "killed" : "finished") +
           "\n";
    if (k.killed) {
      ++kills;
    } else {
      ASSERT_TRUE(Ok(k.result)) << log;
      completed = true;
    }
  }
  const it::RunResult last = it::run(command(tmp / "B"));
  ASSERT_TRUE(Ok(last)) << log;
  log += "final run: " + last.out;
  EXPECT_GE(kills, 2) << "kills should land mid-ingest (uninterrupted run took " << full_seconds
                      << " s)\n"
                      << log;
  // At least one killed run had committed batches, so a restart resumed mid-file.
  EXPECT_TRUE(last.out.find("resumed at byte") != std::string::npos ||
              last.out.find("already ingested") != std::string::npos)
      << log;
  const Counts cl = parse_counts(last.out);
  ASSERT_TRUE(cl.found) << last.describe();
  EXPECT_LE(cl.accepted, events);
  EXPECT_EQ(cl.rejected, 0u);
  std::cout << log;

  // Same state: identical KPIs.
  expect_same_kpis("killed-and-resumed vs uninterrupted", kpi_outputs(tmp / "A", "wonen-eerst"),
                   kpi_outputs(tmp / "B", "wonen-eerst"));
  const auto kpis = parse_json(kpi(tmp / "B", "wonen-eerst", {"--format", "json"}).out);
  ASSERT_TRUE(kpis);
  EXPECT_EQ((*kpis)["caseDuration"]["count"].get<int>(), 10500);

  // Nothing rejected, nothing lost, nothing counted twice: every event of the
  // file is known exactly once, so the same events under another name are all
  // duplicates.
  const it::RunResult rejects = it::ketenflow({"rejects", "--data", tmp / "B", "--format", "json"});
  ASSERT_TRUE(Ok(rejects));
  EXPECT_EQ(rejects.out, "");
  std::filesystem::copy_file(sim, tmp / "again.pb");
  const it::RunResult again = ingest(tmp / "B", tmp / "again.pb", {"--batch", "20000"});
  ASSERT_TRUE(Ok(again));
  const Counts cg = parse_counts(again.out);
  ASSERT_TRUE(cg.found) << again.describe();
  EXPECT_EQ(cg.accepted, 0u);
  EXPECT_EQ(cg.duplicates, events);
  EXPECT_EQ(cg.rejected, 0u);
  expect_same_kpis("after re-delivery vs uninterrupted", kpi_outputs(tmp / "A", "wonen-eerst"),
                   kpi_outputs(tmp / "B", "wonen-eerst"));
}

// ---------------------------------------------------------------------------
// Invariants 3 and 4: nothing dropped silently, no raw identifiers.

std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// A valid stage -> (milestone, partner) pick per stage of a chain, in rank
// order, read from `ketenflow chains show`.
struct Pick {
  std::string stage, milestone, partner, forbidden_partner;
};
std::vector<Pick> stage_picks(const std::string& chain_file) {
  const it::RunResult shown = it::ketenflow({"chains", "show", chain_file});
  EXPECT_TRUE(Ok(shown));
  const json chain = json::parse(shown.out);
  std::vector<std::string> partners;
  for (const json& p : chain.at("partners")) partners.push_back(p.at("id"));
  std::vector<Pick> picks;
  for (const json& stage : chain.at("stages")) {
    for (const json& ms : chain.at("milestones")) {
      if (ms.at("stage") != stage.at("id")) continue;
      Pick pick{stage.at("id"), ms.at("id"), ms.at("partners").at(0), ""};
      for (const std::string& p : partners) {
        const auto& allowed = ms.at("partners");
        if (std::find(allowed.begin(), allowed.end(), p) == allowed.end()) {
          pick.forbidden_partner = p;
          break;
        }
      }
      picks.push_back(pick);
      break;
    }
  }
  return picks;
}

json event(const std::string& id, const std::string& client, const Pick& pick,
           const std::string& occurred, const std::string& recorded) {
  json e = {{"eventId", id},          {"chainId", "wonen-eerst"},  {"clientRef", client},
            {"type", pick.milestone}, {"partnerId", pick.partner}, {"occurredAt", occurred}};
  if (!recorded.empty()) e["recordedAt"] = recorded;
  return e;
}

TEST(BadInput, EveryRecordAcceptedDuplicateOrRejectedWithReason) {
  it::TempDir tmp;
  const std::vector<Pick> picks = stage_picks(wonen_eerst());
  ASSERT_GE(picks.size(), 4u);

  // Valid: 5 clients through the first 4 stages, a day apart.
  constexpr int kClients = 5;
  constexpr int kStages = 4;
  std::vector<std::string> valid;
  for (int c = 0; c < kClients; ++c) {
    for (int s = 0; s < kStages; ++s) {
      const std::string day = "2024-03-0" + std::to_string(1 + s) + "T1" + std::to_string(c);
      valid.push_back(event("ok-" + std::to_string(c) + "-" + std::to_string(s),
                            "c-valid-" + std::to_string(c), picks[s], day + ":00:00Z",
                            day + ":30:00Z")
                          .dump());
    }
  }
  const json first = json::parse(valid[0]);

  // One bad line per reason; code "" marks the exact repeat (a duplicate).
  const std::string bsn = "111222333";
  const std::string email = "jan.jansen@example.nl";
  std::vector<std::pair<std::string, std::string>> bad;
  {
    json e = first;
    e.erase("eventId");
    bad.push_back({e.dump(), "missing_field"});
  }
  {
    json e = event("no-time", "c-bad-1", picks[0], "2024-03-01T10:00:00Z", "");
    e.erase("occurredAt");
    bad.push_back({e.dump(), "missing_field"});
  }
  bad.push_back({R"({"eventId":"broken","chainId":"wonen-eerst","clientRef":)", "decode_error"});
  bad.push_back({"this is not an event at all", "decode_error"});
  bad.push_back(
      {event("bad-time", "c-bad-2", picks[0], "yesterday at noon", "").dump(), "decode_error"});
  {
    json e = event("other-chain", "c-bad-3", picks[0], "2024-03-01T10:00:00Z", "");
    e["chainId"] = "no-such-chain";
    bad.push_back({e.dump(), "unknown_chain"});
  }
  {
    Pick p = picks[0];
    p.milestone = "not_a_milestone";
    bad.push_back({event("no-milestone", "c-bad-4", p, "2024-03-01T10:00:00Z", "").dump(),
                   "unknown_milestone"});
  }
  {
    Pick p = picks[1];
    ASSERT_FALSE(p.forbidden_partner.empty()) << "need a milestone not every partner may report";
    p.partner = p.forbidden_partner;
    bad.push_back({event("not-allowed", "c-bad-5", p, "2024-03-01T10:00:00Z", "").dump(),
                   "partner_not_allowed"});
  }
  {
    Pick p = picks[0];
    p.partner = "no-such-partner";
    bad.push_back(
        {event("stranger", "c-bad-6", p, "2024-03-01T10:00:00Z", "").dump(), "unknown_partner"});
  }
  bad.push_back(
      {event("future", "c-bad-7", picks[0], "2024-03-05T10:00:00Z", "2024-03-03T10:00:00Z").dump(),
       "occurred_after_recorded"});
  bad.push_back({event("ancient", "c-bad-8", picks[0], "1899-12-31T12:00:00Z", "").dump(),
                 "occurred_before_1900"});
  bad.push_back({event("bsn", bsn, picks[0], "2024-03-01T10:00:00Z", "").dump(), "bsn_client_ref"});
  bad.push_back(
      {event("email", email, picks[0], "2024-03-01T10:00:00Z", "").dump(), "email_client_ref"});
  {
    json e = event("huge", "c-bad-9", picks[0], "2024-03-01T10:00:00Z", "");
    e["attributes"] = {{"note", std::string(70 * 1024, 'x')}};
    bad.push_back({e.dump(), "too_large"});
  }
  {
    json e = first;
    e["occurredAt"] = "2024-02-28T09:00:00Z";
    bad.push_back({e.dump(), "event_id_conflict"});
  }
  bad.push_back({valid[0], ""});

  // Interleave: valid[0] first, so the repeats come after their original.
  std::vector<std::string> lines;
  std::map<int, std::string> want_code;  // line number -> code
  std::map<std::string, uint64_t> want_by_code;
  for (size_t i = 0; i < std::max(valid.size(), bad.size()); ++i) {
    if (i < valid.size()) lines.push_back(valid[i]);
    if (i < bad.size()) {
      lines.push_back(bad[i].first);
      if (!bad[i].second.empty()) {
        want_code[static_cast<int>(lines.size())] = bad[i].second;
        ++want_by_code[bad[i].second];
      }
    }
  }
  const std::string file = tmp / "bad.ndjson";
  it::write_file(file, it::join_lines(lines));

  const it::RunResult in = ingest(tmp / "store", file);
  ASSERT_TRUE(Ok(in));
  const Counts c = parse_counts(in.out);
  ASSERT_TRUE(c.found) << in.describe();
  EXPECT_EQ(c.accepted, valid.size()) << in.out;
  EXPECT_EQ(c.duplicates, 1u) << in.out;
  EXPECT_EQ(c.rejected, want_code.size()) << in.out;
  EXPECT_EQ(c.by_code, want_by_code) << in.out;
  EXPECT_EQ(in.out.find(bsn), std::string::npos) << in.out;
  EXPECT_EQ(in.err.find(bsn), std::string::npos) << in.err;

  // Each bad line listed once, with its code, a reason and its position.
  const it::RunResult rj = it::ketenflow({"rejects", "--data", tmp / "store", "--format", "json"});
  ASSERT_TRUE(Ok(rj));
  std::map<int, std::string> got_code;
  for (const std::string& line : it::split_lines(rj.out)) {
    const auto r = parse_json(line);
    ASSERT_TRUE(r);
    const std::string position = r->value("position", "");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(position, m, std::regex(R"(line (\d+))"))) << line;
    const int n = std::stoi(m[1]);
    EXPECT_TRUE(got_code.emplace(n, r->value("code", "")).second) << "line " << n << " twice";
    EXPECT_FALSE(r->value("reason", "").empty()) << line;
    EXPECT_TRUE(r->value("source", "").ends_with("bad.ndjson")) << line;
    const std::string record = base64_decode(r->value("record", ""));
    EXPECT_EQ(record.find(bsn), std::string::npos) << "kept record shows the BSN: " << record;
    EXPECT_EQ(record.find(email), std::string::npos) << "kept record shows the e-mail: " << record;
  }
  EXPECT_EQ(got_code, want_code);
  EXPECT_EQ(rj.out.find(bsn), std::string::npos);
  EXPECT_EQ(rj.out.find(email), std::string::npos);

  const it::RunResult table = it::ketenflow({"rejects", "--data", tmp / "store"});
  ASSERT_TRUE(Ok(table));
  EXPECT_EQ(table.out.find(bsn), std::string::npos) << table.out.substr(0, 5000);
  EXPECT_EQ(table.out.find(email), std::string::npos);
  for (const auto& [line, code] : want_code) {
    EXPECT_NE(table.out.find("line " + std::to_string(line) + ": " + code), std::string::npos)
        << "line " << line << " " << code;
  }

  const it::RunResult only = it::ketenflow(
      {"rejects", "--data", tmp / "store", "--code", "unknown_chain", "--format", "json"});
  ASSERT_TRUE(Ok(only));
  EXPECT_EQ(it::split_lines(only.out).size(), 1u) << only.out;
  const it::RunResult limited =
      it::ketenflow({"rejects", "--data", tmp / "store", "--limit", "3", "--format", "json"});
  ASSERT_TRUE(Ok(limited));
  EXPECT_EQ(it::split_lines(limited.out).size(), 3u);
  // A page further on: the records after the first three, and the count.
  const it::RunResult all = it::ketenflow({"rejects", "--data", tmp / "store", "--format", "json"});
  const it::RunResult next = it::ketenflow(
      {"rejects", "--data", tmp / "store", "--offset", "3", "--limit", "2", "--format", "json"});
  const it::RunResult next_table =
      it::ketenflow({"rejects", "--data", tmp / "store", "--offset", "3", "--limit", "2"});
  ASSERT_TRUE(Ok(all));
  ASSERT_TRUE(Ok(next));
  ASSERT_TRUE(Ok(next_table));
  const auto every = it::split_lines(all.out);
  ASSERT_GT(every.size(), 5u);
  EXPECT_EQ(it::split_lines(next.out),
            std::vector<std::string>(every.begin() + 3, every.begin() + 5));
  EXPECT_NE(next.err.find("4-5 of " + std::to_string(every.size()) + " rejected records"),
            std::string::npos)
      << next.err;
  EXPECT_NE(next_table.out.find("4-5 of " + std::to_string(every.size()) + " rejected records"),
            std::string::npos)
      << next_table.out;

  // The valid events are all in the KPIs.
  const auto kpis = parse_json(kpi(tmp / "store", "wonen-eerst", {"--format", "json"}).out);
  ASSERT_TRUE(kpis);
  for (const json& stage : kpis->at("stages")) {
    const bool used = std::any_of(picks.begin(), picks.begin() + kStages,
                                  [&](const Pick& p) { return p.stage == stage.at("stage"); });
    EXPECT_EQ(stage.at("entries").get<int>(), used ? kClients : 0) << stage.dump();
  }
  // Transitions with a norm are listed even when nobody made them.
  int transitions = 0;
  for (const json& t : kpis->at("transitions")) {
    bool made = false;
    for (int s = 0; s + 1 < kStages; ++s) {
      made = made || (t.at("from") == picks[s].stage && t.at("to") == picks[s + 1].stage);
    }
    EXPECT_EQ(t.at("count").get<int>(), made ? kClients : 0) << t.dump();
    transitions += made ? 1 : 0;
  }
  EXPECT_EQ(transitions, kStages - 1);
  EXPECT_EQ(kpis->at("caseDuration").at("count").get<int>(), kClients);
}

// Binary junk (bytes that are not UTF-8) on an NDJSON line must be rejected
// like any other undecodable line, and listed by `rejects` with the rest.
TEST(BadInput, BinaryJunkLineIsRejectedAndListed) {
  it::TempDir tmp;
  const std::vector<Pick> picks = stage_picks(wonen_eerst());
  ASSERT_GE(picks.size(), 2u);
  std::mt19937 rng(3);
  std::string junk;
  while (junk.size() < 300) {
    const char b = static_cast<char>(rng() & 0xff);
    if (b != '\n') junk += b;
  }
  junk[0] = '\x01';
  const std::vector<std::string> lines = {
      event("j-1", "c-junk-1", picks[0], "2024-03-01T10:00:00Z", "").dump(),
      "garbage line",
      junk,
      std::string("\xff\xfe\x80 latin-1 caf\xe9"),
      event("j-2", "c-junk-1", picks[1], "2024-03-02T10:00:00Z", "").dump(),
  };
  const std::string file = tmp / "junk.ndjson";
  it::write_file(file, it::join_lines(lines));

  const it::RunResult in = ingest(tmp / "store", file);
  ASSERT_TRUE(Ok(in));
  const Counts c = parse_counts(in.out);
  ASSERT_TRUE(c.found) << in.describe();
  EXPECT_EQ(c.accepted, 2u) << in.out;
  EXPECT_EQ(c.rejected, 3u) << in.out;
  EXPECT_EQ(c.by_code, (std::map<std::string, uint64_t>{{"decode_error", 3}})) << in.out;

  for (const std::string format : {"json", "table"}) {
    const it::RunResult rj =
        it::ketenflow({"rejects", "--data", tmp / "store", "--format", format});
    EXPECT_TRUE(Ok(rj)) << "rejects --format " << format
                        << " must list undecodable lines, whatever bytes they hold";
    if (format == "json") {
      std::set<std::string> positions;
      for (const std::string& line : it::split_lines(rj.out)) {
        const auto r = parse_json(line);
        if (r) positions.insert(r->value("position", ""));
      }
      EXPECT_EQ(positions, (std::set<std::string>{"line 2", "line 3", "line 4"})) << rj.out;
    }
  }
}

// A CSV row whose fields are not UTF-8 (a Latin-1 export): either rejected
// with a reason, or accepted in a form the store can read back. Whatever
// was accepted must survive `path` and `rebuild` (invariant 1).
TEST(BadInput, CsvRowWithInvalidUtf8) {
  it::TempDir tmp;
  const std::vector<Pick> picks = stage_picks(wonen_eerst());
  ASSERT_GE(picks.size(), 2u);
  std::string csv = "case:concept:name,concept:name,time:timestamp,org:group\n";
  csv += "c-utf-1," + picks[0].milestone + ",2024-02-01 09:00:00+01:00," + picks[0].partner + "\n";
  csv += "c-utf-1," + picks[1].milestone + ",2024-02-02 09:00:00+01:00," + picks[1].partner + "\n";
  csv +=
      "c-caf\xe9," + picks[0].milestone + ",2024-02-01 09:00:00+01:00," + picks[0].partner + "\n";
  it::write_file(tmp / "latin1.csv", csv);

  const it::RunResult in = ingest(tmp / "store", tmp / "latin1.csv");
  ASSERT_TRUE(Ok(in));
  const Counts c = parse_counts(in.out);
  ASSERT_TRUE(c.found) << in.describe();
  EXPECT_EQ(c.accepted + c.rejected, 3u) << in.out;
  EXPECT_GE(c.accepted, 2u) << in.out;

  const it::RunResult rj = it::ketenflow({"rejects", "--data", tmp / "store", "--format", "json"});
  EXPECT_TRUE(Ok(rj));
  EXPECT_EQ(it::split_lines(rj.out).size(), c.rejected) << rj.out;

  const auto before = kpi_outputs(tmp / "store", "wonen-eerst");
  if (c.accepted == 3) {
    const it::RunResult p =
        it::ketenflow({"path", "--data", tmp / "store", "--chain", "wonen-eerst", "--client",
                       "c-caf\xe9", "--format", "json"});
    EXPECT_TRUE(Ok(p)) << "an accepted client's path must be readable";
  }
  const it::RunResult rebuilt = it::ketenflow({"rebuild", "--data", tmp / "store"});
  EXPECT_TRUE(Ok(rebuilt)) << "rebuild must read back every accepted event";
  expect_same_kpis("after rebuild", before, kpi_outputs(tmp / "store", "wonen-eerst"));
}

TEST(BadInput, ProtobufFileWithGarbageAppended) {
  it::TempDir tmp;
  const std::string clean = tmp / "clean.pb";
  const it::RunResult s = simulate(clean, 50, 5);
  ASSERT_TRUE(Ok(s));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s.err, m, std::regex(R"(wrote (\d+) events)"))) << s.describe();
  const uint64_t events = std::stoull(m[1]);
  const std::string bytes = it::read_file(clean);
  // A record whose bytes are no ClientEvent, then a broken length prefix.
  const std::string garbage = std::string("\x04\xff\xff\xff\xff", 5) + std::string(12, '\xff');
  it::write_file(tmp / "dirty.pb", bytes + garbage);

  ASSERT_TRUE(Ok(ingest(tmp / "clean", clean)));
  const it::RunResult in = ingest(tmp / "dirty", tmp / "dirty.pb");
  ASSERT_TRUE(Ok(in));
  const Counts c = parse_counts(in.out);
  ASSERT_TRUE(c.found) << in.describe();
  EXPECT_EQ(c.accepted, events);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.rejected, 2u) << in.out;
  EXPECT_EQ(c.by_code, (std::map<std::string, uint64_t>{{"decode_error", 2}})) << in.out;

  const it::RunResult rj = it::ketenflow({"rejects", "--data", tmp / "dirty", "--format", "json"});
  ASSERT_TRUE(Ok(rj));
  const auto lines = it::split_lines(rj.out);
  ASSERT_EQ(lines.size(), 2u) << rj.out;
  const auto r0 = parse_json(lines[0]);
  const auto r1 = parse_json(lines[1]);
  ASSERT_TRUE(r0 && r1);
  EXPECT_EQ((*r0)["position"], "offset " + std::to_string(bytes.size()));
  EXPECT_EQ((*r1)["position"], "offset " + std::to_string(bytes.size() + 5));
  EXPECT_FALSE((*r0)["reason"].get<std::string>().empty());
  EXPECT_FALSE((*r1)["reason"].get<std::string>().empty());

  expect_same_kpis("pb with garbage vs clean", kpi_outputs(tmp / "clean", "wonen-eerst"),
                   kpi_outputs(tmp / "dirty", "wonen-eerst"));
}

TEST(BadInput, CsvRowWithBadTimestamp) {
  it::TempDir tmp;
  const std::vector<Pick> picks = stage_picks(wonen_eerst());
  ASSERT_GE(picks.size(), 2u);
  std::string csv = "case:concept:name,concept:name,time:timestamp,org:group,note\n";
  csv += "c-csv-1," + picks[0].milestone + ",2024-02-01 09:00:00.000000+01:00," + picks[0].partner +
         ",first\n";
  csv += "c-csv-1," + picks[1].milestone + ",2024-02-03 10:30:00+01:00," + picks[1].partner +
         ",\"quoted, with comma\"\n";
  csv += "c-csv-2," + picks[0].milestone + ",not a time," + picks[0].partner + ",bad\n";  // line 4
  csv += "\"c-csv-2\",\"" + picks[0].milestone + "\",\"2024-02-04 08:00:00+01:00\",\"" +
         picks[0].partner + "\",\"say \"\"hi\"\"\"\n";
  csv += "c-csv-2," + picks[1].milestone + ",2024-02-05 08:00:00+01:00," + picks[1].partner + ",\n";
  it::write_file(tmp / "rows.csv", csv);

  const it::RunResult in = ingest(tmp / "store", tmp / "rows.csv");
  ASSERT_TRUE(Ok(in));
  const Counts c = parse_counts(in.out);
  ASSERT_TRUE(c.found) << in.describe();
  EXPECT_EQ(c.accepted, 4u) << in.out;
  EXPECT_EQ(c.rejected, 1u) << in.out;

  const it::RunResult rj = it::ketenflow({"rejects", "--data", tmp / "store", "--format", "json"});
  ASSERT_TRUE(Ok(rj));
  const auto lines = it::split_lines(rj.out);
  ASSERT_EQ(lines.size(), 1u) << rj.out;
  const auto r = parse_json(lines[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["position"], "line 4");
  EXPECT_EQ((*r)["code"], "malformed_field");
  EXPECT_NE((*r)["reason"].get<std::string>().find("time:timestamp"), std::string::npos)
      << lines[0];
  // The kept row shows the client_ref shortened, as for rows that decoded.
  const it::RunResult table = it::ketenflow({"rejects", "--data", tmp / "store"});
  ASSERT_TRUE(Ok(table));
  EXPECT_NE(table.out.find("not a time"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("c-csv-2"), std::string::npos) << table.out;

  const auto kpis = parse_json(kpi(tmp / "store", "wonen-eerst", {"--format", "json"}).out);
  ASSERT_TRUE(kpis);
  int handovers = 0;
  for (const json& t : kpis->at("transitions")) {
    if (t.at("from") == picks[0].stage && t.at("to") == picks[1].stage) {
      handovers += t.at("count").get<int>();
    }
  }
  EXPECT_EQ(handovers, 2);
  EXPECT_EQ(kpis->at("caseDuration").at("count").get<int>(), 2);
}

// ---------------------------------------------------------------------------
// CLI behaviour.

testing::AssertionResult OneErrorLine(const it::RunResult& r) {
  if (r.exited() && r.exit_code != 0 && r.err.starts_with("ketenflow:") && r.err.ends_with("\n") &&
      std::count(r.err.begin(), r.err.end(), '\n') == 1) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "want a non-zero exit and one stderr line starting with \"ketenflow:\"\n"
         << r.describe();
}

TEST(Cli, HelpOfEverySubcommand) {
  const std::vector<std::vector<std::string>> helps = {{"--help"},
                                                       {"ingest", "--help"},
                                                       {"kpi", "--help"},
                                                       {"goals", "--help"},
                                                       {"path", "--help"},
                                                       {"rejects", "--help"},
                                                       {"rebuild", "--help"},
                                                       {"chains", "--help"},
                                                       {"chains", "validate", "--help"},
                                                       {"chains", "show", "--help"},
                                                       {"simulate", "--help"}};
  for (const auto& args : helps) {
    const it::RunResult r = it::ketenflow(args);
    EXPECT_TRUE(Ok(r));
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.describe();
  }
}

TEST(Cli, BadOptionsGiveOneErrorLine) {
  it::TempDir tmp;
  const std::vector<std::vector<std::string>> wrong = {
      {"kpi", "--data", tmp / "d", "--chain", "x", "--no-such-option"},
      {"ingest", "--data", tmp / "d", "--frobnicate", wonen_eerst()},
      {"path", "--data", tmp / "d", "--chain", "x", "--client", "c", "--bogus", "1"},
      {"rejects", "--data", tmp / "d", "--wat"},
      {"simulate", "--chain", wonen_eerst(), "--clients", "3", "--seed", "1", "--out",
       tmp / "x.ndjson", "--nope"},
      // Missing required options.
      {"kpi", "--chain", "wonen-eerst"},
      {"kpi", "--data", tmp / "d"},
      {"path", "--data", tmp / "d", "--chain", "wonen-eerst"},
      {"ingest", "--data", tmp / "d"},
      {"simulate", "--chain", wonen_eerst(), "--seed", "1", "--out", tmp / "x.ndjson"},
      {"rebuild"},
      // No subcommand, a file that does not exist.
      {},
      {"ingest", "--data", tmp / "d", "--chains", wonen_eerst(), tmp / "missing.ndjson"},
  };
  for (const auto& args : wrong) EXPECT_TRUE(OneErrorLine(it::ketenflow(args)));
}

TEST(Cli, KpiOnMissingStoreOrUnknownChain) {
  it::TempDir tmp;
  const std::string missing = tmp / "no-store";
  const it::RunResult r = kpi(missing, "wonen-eerst", {"--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_TRUE(OneErrorLine(r));
  EXPECT_NE(r.err.find("no ketenflow store"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(missing)) << "a query must not create a store";

  const std::string sim = tmp / "sim.ndjson";
  ASSERT_TRUE(Ok(simulate(sim, 20, 3)));
  ASSERT_TRUE(Ok(ingest(tmp / "store", sim)));
  const it::RunResult u = kpi(tmp / "store", "no-such-chain", {});
  EXPECT_EQ(u.exit_code, 1) << u.describe();
  EXPECT_TRUE(OneErrorLine(u));
  EXPECT_NE(u.err.find("unknown chain"), std::string::npos) << u.err;
  EXPECT_NE(u.err.find("no-such-chain"), std::string::npos) << u.err;
}

// Tables name stages, partners and measures as the chain file does; --ids
// gives the ids. JSON and CSV always carry the ids.
TEST(Cli, KpiAndGoalTablesShowNamesAndIdsWithTheIdsFlag) {
  it::TempDir tmp;
  const std::string sim = tmp / "sim.ndjson";
  ASSERT_TRUE(Ok(simulate(sim, 300, 4)));
  ASSERT_TRUE(Ok(ingest(tmp / "store", sim)));
  const auto run = [&](const std::string& command, bool ids) {
    std::vector<std::string> args = {command,       "--data",  tmp / "store", "--chain",
                                     "wonen-eerst", "--today", "2026-01-01"};
    if (ids) args.push_back("--ids");
    const it::RunResult r = it::ketenflow(args);
    EXPECT_TRUE(Ok(r));
    return r.out;
  };
  const std::string names = run("kpi", false);
  EXPECT_NE(names.find("\nAanmelding -> Intake en opvang "), std::string::npos) << names;
  EXPECT_NE(names.find("\nGemeente 's-Hertogenbosch -> Maatschappelijke Opvang Den Bosch "),
            std::string::npos)
      << names;
  EXPECT_NE(names.find("[Maatschappelijke Opvang Den Bosch]"), std::string::npos) << names;
  EXPECT_EQ(names.find("intake_opvang"), std::string::npos) << names;
  const std::string ids = run("kpi", true);
  EXPECT_NE(ids.find("\naanmelding -> intake_opvang "), std::string::npos) << ids;
  EXPECT_NE(ids.find("\ngemeente-denbosch -> mo-denbosch "), std::string::npos) << ids;
  EXPECT_NE(ids.find("\nintake_opvang "), std::string::npos) << ids;
  EXPECT_EQ(ids.find("Intake en opvang"), std::string::npos) << ids;
  const std::string goals = run("goals", false);
  EXPECT_NE(goals.find("[Zayaz]"), std::string::npos) << goals;
  const std::string goal_ids = run("goals", true);
  EXPECT_NE(goal_ids.find("[zayaz]"), std::string::npos) << goal_ids;
}

TEST(Cli, PathOfASimulatedClient) {
  it::TempDir tmp;
  const std::string sim = tmp / "sim.ndjson";
  ASSERT_TRUE(Ok(simulate(sim, 20, 3)));
  ASSERT_TRUE(Ok(ingest(tmp / "store", sim)));
  const std::vector<std::string> lines = it::split_lines(it::read_file(sim));
  ASSERT_FALSE(lines.empty());
  const std::string ref = json::parse(lines[0]).at("clientRef");
  std::set<std::string> ids;
  for (const std::string& line : lines) {
    const json e = json::parse(line);
    if (e.at("clientRef") == ref) ids.insert(e.at("eventId"));
  }

  const it::RunResult r = it::ketenflow({"path", "--data", tmp / "store", "--chain", "wonen-eerst",
                                         "--client", ref, "--format", "json"});
  ASSERT_TRUE(Ok(r));
  const auto path = parse_json(r.out);
  ASSERT_TRUE(path);
  EXPECT_EQ(path->at("clientRef"), ref);
  EXPECT_EQ(path->at("chainId"), "wonen-eerst");
  ASSERT_FALSE(path->at("visits").empty()) << r.out;
  EXPECT_EQ(path->at("visits")[0].at("stage"), "aanmelding") << r.out;
  std::set<std::string> got;
  for (const json& e : path->at("events")) {
    EXPECT_EQ(e.at("status"), "EVENT_STATUS_EFFECTIVE") << e.dump();
    got.insert(e.at("event").at("eventId"));
  }
  EXPECT_EQ(got, ids);

  const it::RunResult table =
      it::ketenflow({"path", "--data", tmp / "store", "--chain", "wonen-eerst", "--client", ref});
  ASSERT_TRUE(Ok(table));
  EXPECT_NE(table.out.find(ref), std::string::npos) << table.out;
  // Names in the table (stage, milestone and partner), ids with --ids.
  EXPECT_NE(table.out.find("\nAanmelding "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Gemeente 's-Hertogenbosch"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("gemeente-denbosch"), std::string::npos) << table.out;
  const it::RunResult by_id = it::ketenflow(
      {"path", "--data", tmp / "store", "--chain", "wonen-eerst", "--client", ref, "--ids"});
  ASSERT_TRUE(Ok(by_id));
  EXPECT_NE(by_id.out.find("\naanmelding "), std::string::npos) << by_id.out;
  EXPECT_NE(by_id.out.find("gemeente-denbosch"), std::string::npos) << by_id.out;
  EXPECT_EQ(by_id.out.find("Gemeente 's-Hertogenbosch"), std::string::npos) << by_id.out;

  const it::RunResult nobody = it::ketenflow(
      {"path", "--data", tmp / "store", "--chain", "wonen-eerst", "--client", "c-nobody"});
  EXPECT_EQ(nobody.exit_code, 1) << nobody.describe();
  EXPECT_TRUE(OneErrorLine(nobody));
}

}  // namespace
