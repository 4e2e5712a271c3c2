// Kafka end to end (DESIGN §3, §7; issue 3 "Tests"): a real single-node
// broker per test (deploy/kafka/kafka.sh), the real `ketenflow` binary for
// topics, publish, serve, status, kpi and rejects, and a small librdkafka
// producer/consumer (kafka_harness) for raw bytes and the dead-letter topic.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "kafka_harness.h"
#include "ketenflow/v1/event.pb.h"

namespace {

namespace it = ketenflow::it;
namespace kf = ketenflow::it::kafka;
namespace v1 = ketenflow::v1;
using it::Counts;
using it::expect_same_kpis;
using it::kpi_outputs;
using it::Ok;
using it::parse_counts;
using it::SameText;
using it::simulate;
using it::wonen_eerst;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Helpers

it::RunResult ingest(const std::string& data, const std::string& file) {
  return it::ketenflow({"ingest", "--data", data, "--chains", wonen_eerst(), "--quiet", file});
}

it::RunResult topics_create(const kf::Broker& broker, const std::string& topic, int partitions) {
  return it::ketenflow({"topics", "create", "--brokers", broker.bootstrap(), "--topic", topic,
                        "--partitions", std::to_string(partitions), "--replication-factor", "1"},
                       2min);
}

it::RunResult publish(const kf::Broker& broker, const std::string& topic,
                      const std::vector<std::string>& files,
                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"publish", "--brokers", broker.bootstrap(), "--topic",
                                topic,     "--chains",  wonen_eerst()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), files.begin(), files.end());
  return it::ketenflow(args, 5min);
}

kf::ServeOptions serve_options(const std::string& data, const kf::Broker& broker,
                               const std::string& topic, const std::string& group) {
  kf::ServeOptions o;
  o.data = data;
  o.chains = wonen_eerst();
  o.brokers = broker.bootstrap();
  o.topic = topic;
  o.group = group;
  return o;
}

// SIGTERM, then the process must finish its batch and exit 0 within 60 s.
testing::AssertionResult StopsCleanly(kf::Process& serve) {
  if (!serve.running()) {
    return testing::AssertionFailure()
           << "serve ended before SIGTERM (" << serve.describe_state() << ")\n"
           << serve.log();
  }
  serve.signal(SIGTERM);
  if (!serve.wait(60s)) {
    return testing::AssertionFailure() << "serve still running 60 s after SIGTERM\n" << serve.log();
  }
  if (serve.exit_code() != 0) {
    return testing::AssertionFailure() << "serve after SIGTERM: " << serve.describe_state() << "\n"
                                       << serve.log();
  }
  return testing::AssertionSuccess();
}

// The KPI views compared between the Kafka store and the file store.

// The Kafka positions in the store agree with the topic: one per partition,
// each at the partition's end offset (the next offset to read), and the
// records counted per partition sum to `total`.
void expect_positions_at_end(const kf::StoreStatus& status, const kf::Broker& broker,
                             const std::string& topic, uint64_t total) {
  const auto ends = kf::end_offsets(broker.bootstrap(), topic);
  const auto positions = status.kafka_positions(topic);
  uint64_t records = 0;
  for (const auto& [partition, end] : ends) {
    const auto p = positions.find(partition);
    if (end == 0) continue;  // an empty partition may have no position
    ASSERT_NE(p, positions.end()) << "no stored position for " << topic << "/" << partition
                                  << "; status: " << status.text;
    EXPECT_EQ(p->second.offset, end)
        << topic << "/" << partition << ": stored offset vs end offset; status: " << status.text;
  }
  for (const auto& [partition, p] : positions) records += p.records;
  EXPECT_EQ(records, total) << "records per partition do not add up; status: " << status.text;
}

// Bytes for a failure message: printable ASCII as is, the rest as \xNN.
std::string printable(const std::string& bytes, size_t max = 300) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (bytes.size() > max) out += "…(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// ---------------------------------------------------------------------------
// 1. Kafka and file modes agree.

TEST(KafkaModes, PublishedAndServedEqualsFileIngest) {
  const auto t0 = Clock::now();
  it::TempDir tmp;
  const std::string sim = tmp / "events.ndjson";
  ASSERT_TRUE(Ok(simulate(
      sim, 5000, 11, {"--disorder", "0.05", "--duplicates", "0.05", "--corrections", "0.05"})));
  const size_t lines = it::split_lines(it::read_file(sim)).size();
  ASSERT_GT(lines, 40000u);

  kf::Broker broker;
  const std::string topic = "ketenflow.events";
  ASSERT_TRUE(Ok(topics_create(broker, topic, 3)));
  ASSERT_EQ(kf::partition_count(broker.bootstrap(), topic), 3);
  ASSERT_GE(kf::partition_count(broker.bootstrap(), topic + ".dlq"), 1)
      << "topics create should create the dead-letter topic too";

  // serve first, on the empty topic: it must pick up what comes later.
  kf::Process serve(kf::serve_argv(serve_options(tmp / "A", broker, topic, "kt-modes")),
                    tmp / "serve.log");
  const it::RunResult pub = publish(broker, topic, {sim});
  ASSERT_TRUE(Ok(pub));
  const auto ends = kf::end_offsets(broker.bootstrap(), topic);
  uint64_t in_topic = 0;
  for (const auto& [p, end] : ends) {
    in_topic += static_cast<uint64_t>(end);
    EXPECT_GT(end, 0) << "partition " << p << " got nothing: are keys client refs?";
  }
  EXPECT_EQ(in_topic, lines) << "publish should send every line (duplicates included)";

  // The file reference, while serve consumes.
  const it::RunResult file = ingest(tmp / "B", sim);
  ASSERT_TRUE(Ok(file));
  const Counts fc = parse_counts(file.out);
  ASSERT_TRUE(fc.found) << file.describe();
  EXPECT_GT(fc.duplicates, 0u);
  EXPECT_EQ(fc.rejected, 0u);

  const kf::WaitResult w = kf::wait_for_processed(tmp / "A", lines, 120s, &serve);
  ASSERT_TRUE(w.ok) << w.message;
  EXPECT_EQ(w.last.accepted, fc.accepted);
  EXPECT_EQ(w.last.duplicates, fc.duplicates);
  EXPECT_EQ(w.last.rejected, 0u);

  // A second reader while serve runs.
  const auto live = kpi_outputs(tmp / "A");
  ASSERT_TRUE(StopsCleanly(serve));

  const kf::StoreStatus st = kf::store_status(tmp / "A");
  ASSERT_TRUE(st.ok) << st.error;
  expect_positions_at_end(st, broker, topic, lines);
  // Offsets are committed to Kafka too (for lag tooling), at least by a clean stop.
  const auto committed = kf::committed_offsets(broker.bootstrap(), topic, "kt-modes");
  for (const auto& [p, end] : ends) {
    EXPECT_EQ(committed.at(p), end) << "group kt-modes, partition " << p << ": committed offset";
  }

  const auto file_kpis = kpi_outputs(tmp / "B");
  expect_same_kpis("kafka (serve running) vs file", file_kpis, live);
  expect_same_kpis("kafka (stopped) vs file", file_kpis, kpi_outputs(tmp / "A"));
  std::cout << "[ timing ] " << lines << " events; served in " << w.elapsed.count()
            << " s after publish; test " << seconds_since(t0) << " s\n";
}

// ---------------------------------------------------------------------------
// 2. Crash: serve SIGKILLed at 5 random moments during consumption.

TEST(KafkaCrash, SigkilledServeResumesToIdenticalState) {
  const auto t0 = Clock::now();
  it::TempDir tmp;
  const std::string sim = tmp / "events.ndjson";
  ASSERT_TRUE(Ok(simulate(sim, 20500, 23,
                          {"--format", "ndjson", "--disorder", "0.05", "--duplicates", "0.01"})));
  const size_t total = it::split_lines(it::read_file(sim)).size();
  ASSERT_GE(total, 200000u);

  kf::Broker broker;
  const std::string topic = "ketenflow.events";
  ASSERT_TRUE(Ok(topics_create(broker, topic, 3)));
  const auto tp = Clock::now();
  ASSERT_TRUE(Ok(publish(broker, topic, {sim})));
  const double publish_seconds = seconds_since(tp);

  // Reference: the same events from the file, uninterrupted.
  const auto ti = Clock::now();
  const it::RunResult file = ingest(tmp / "ref", sim);
  ASSERT_TRUE(Ok(file));
  const double ingest_seconds = seconds_since(ti);
  const Counts fc = parse_counts(file.out);
  ASSERT_TRUE(fc.found) << file.describe();
  ASSERT_EQ(fc.accepted + fc.duplicates, total);

  const kf::ServeOptions options = serve_options(tmp / "A", broker, topic, "kt-crash");
  // Each run: start serve, wait until it is consuming (the offsets it also
  // commits to Kafka move past where the previous run left them; cheaper to
  // watch than `status`, which replays the live store's WAL), wait a random
  // 0-300 ms more, SIGKILL.
  const auto committed_sum = [&]() -> int64_t {
    int64_t sum = 0;
    try {
      for (const auto& [p, offset] : kf::committed_offsets(broker.bootstrap(), topic, "kt-crash")) {
        sum += std::max<int64_t>(offset, 0);
      }
    } catch (const std::exception&) {
      return -1;
    }
    return sum;
  };
  std::mt19937_64 rng(0x5EED);
  std::uniform_int_distribution<int> extra_ms(0, 300);
  std::string log;
  int64_t before = 0;
  for (int k = 0; k < 5; ++k) {
    const auto started = Clock::now();
    kf::Process serve(kf::serve_argv(options), tmp / "serve.log");
    int64_t now = before;
    while (now <= before && serve.running() && seconds_since(started) < 120) {
      std::this_thread::sleep_for(20ms);
      now = committed_sum();
    }
    ASSERT_GT(now, before) << "run " << k << ": no consumption seen in " << seconds_since(started)
                           << " s (serve " << serve.describe_state() << ")\n"
                           << log << serve.log();
    const double consuming_after = seconds_since(started);
    const int delay = extra_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    ASSERT_TRUE(serve.running()) << "run " << k << " ended by itself (" << serve.describe_state()
                                 << ")\n"
                                 << serve.log();
    serve.signal(SIGKILL);
    ASSERT_TRUE(serve.wait(30s));
    ASSERT_EQ(serve.term_signal(), SIGKILL) << serve.describe_state();
    const kf::StoreStatus after = kf::store_status(tmp / "A");
    ASSERT_TRUE(after.ok) << after.error;
    log += "run " + std::to_string(k) + ": consuming after " + std::to_string(consuming_after) +
           " s, SIGKILL " + std::to_string(delay) +
           " ms later: " + std::to_string(after.processed()) + " of " + std::to_string(total) +
           " processed in the store\n";
    EXPECT_LT(after.processed(), total) << "kill " << k << " came after the end\n" << log;
    EXPECT_LE(after.accepted, fc.accepted) << log;
    before = std::max<int64_t>(committed_sum(), before);
  }

  // The last run, uninterrupted to the end.
  kf::Process serve(kf::serve_argv(options), tmp / "serve.log");
  const kf::WaitResult w = kf::wait_for_processed(tmp / "A", total, 180s, &serve);
  ASSERT_TRUE(w.ok) << w.message << "\n" << log;
  ASSERT_TRUE(StopsCleanly(serve));
  std::cout << log;

  // Nothing lost, nothing counted twice.
  const kf::StoreStatus st = kf::store_status(tmp / "A");
  ASSERT_TRUE(st.ok) << st.error;
  EXPECT_EQ(st.accepted, fc.accepted) << log;
  EXPECT_EQ(st.duplicates, fc.duplicates) << log;
  EXPECT_EQ(st.rejected, 0u) << log;
  EXPECT_EQ(st.accepted + st.duplicates, total) << log;
  expect_positions_at_end(st, broker, topic, total);
  expect_same_kpis("killed 5 times vs uninterrupted file ingest", kpi_outputs(tmp / "ref"),
                   kpi_outputs(tmp / "A"));
  std::cout << "[ timing ] " << total << " events: publish " << publish_seconds
            << " s, file ingest " << ingest_seconds << " s, final run " << w.elapsed.count()
            << " s; test " << seconds_since(t0) << " s\n";
}

// ---------------------------------------------------------------------------
// 3. The broker restarts while serve consumes.

TEST(KafkaBrokerRestart, ServeSurvivesAndCatchesUp) {
  const auto t0 = Clock::now();
  it::TempDir tmp;
  const std::string sim = tmp / "events.ndjson";
  ASSERT_TRUE(Ok(simulate(
      sim, 8000, 31, {"--format", "ndjson", "--duplicates", "0.02", "--corrections", "0.02"})));
  const std::vector<std::string> lines = it::split_lines(it::read_file(sim));
  const size_t total = lines.size();
  ASSERT_GT(total, 60000u);
  // Published in two parts: the second after the restart, so that serve must
  // fetch through a new connection to catch up.
  const size_t first = total * 6 / 10;
  it::write_file(tmp / "part1.ndjson",
                 it::join_lines(std::vector<std::string>(lines.begin(), lines.begin() + first)));
  it::write_file(tmp / "part2.ndjson",
                 it::join_lines(std::vector<std::string>(lines.begin() + first, lines.end())));

  kf::Broker broker;
  const std::string topic = "ketenflow.events";
  ASSERT_TRUE(Ok(topics_create(broker, topic, 3)));
  ASSERT_TRUE(Ok(publish(broker, topic, {tmp / "part1.ndjson"})));

  kf::Process serve(kf::serve_argv(serve_options(tmp / "A", broker, topic, "kt-restart")),
                    tmp / "serve.log");
  const kf::WaitResult started = kf::wait_for_status(
      tmp / "A", [](const kf::StoreStatus& s) { return s.processed() > 0; }, 120s, &serve, 50ms);
  ASSERT_TRUE(started.ok) << started.message;

  // kafka.sh restart in the background; serve must live through it, and the
  // store must keep answering queries while the broker is away.
  const auto tr = Clock::now();
  kf::Process restart({kf::kafka_sh(), "restart", (broker.dir() / "kafka").string()},
                      tmp / "restart.log");
  bool queried = false;
  while (restart.running()) {
    ASSERT_TRUE(serve.running()) << "serve exited while the broker restarted ("
                                 << serve.describe_state() << ")\n"
                                 << serve.log();
    if (!queried && seconds_since(tr) > 1.5) {
      queried = true;
      EXPECT_TRUE(Ok(it::ketenflow({"kpi", "--data", tmp / "A", "--chain", "wonen-eerst"})));
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(restart.exit_code(), 0) << restart.log();
  const double restart_seconds = seconds_since(tr);
  const kf::StoreStatus during = kf::store_status(tmp / "A");
  ASSERT_TRUE(during.ok) << during.error;
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(serve.running()) << serve.describe_state() << "\n" << serve.log();

  ASSERT_TRUE(Ok(publish(broker, topic, {tmp / "part2.ndjson"})));
  const kf::WaitResult w = kf::wait_for_processed(tmp / "A", total, 120s, &serve);
  ASSERT_TRUE(w.ok) << w.message << "\nbroker log:\n" << broker.log_tail();
  ASSERT_TRUE(StopsCleanly(serve));

  const it::RunResult file = ingest(tmp / "ref", sim);
  ASSERT_TRUE(Ok(file));
  const Counts fc = parse_counts(file.out);
  ASSERT_TRUE(fc.found) << file.describe();
  const kf::StoreStatus st = kf::store_status(tmp / "A");
  ASSERT_TRUE(st.ok) << st.error;
  EXPECT_EQ(st.accepted, fc.accepted);
  EXPECT_EQ(st.duplicates, fc.duplicates);
  EXPECT_EQ(st.rejected, 0u);
  expect_positions_at_end(st, broker, topic, total);
  expect_same_kpis("after a broker restart vs file", kpi_outputs(tmp / "ref"),
                   kpi_outputs(tmp / "A"));
  std::cout << "[ timing ] " << total << " events; restart began at " << started.last.processed()
            << " processed, " << during.processed() << " right after the restart ("
            << restart_seconds << " s); caught up " << w.elapsed.count()
            << " s after the second publish; test " << seconds_since(t0) << " s\n";
}

// ---------------------------------------------------------------------------
// 4. Bad input on the topic.

constexpr int64_t kMarch1 = 1709287200;  // 2024-03-01T10:00:00Z
constexpr int64_t kDay = 86400;

struct MilestonePick {
  std::string type, partner;
};
// wonen-eerst: the first milestone of the first four stages, with a partner
// allowed to report it.
const std::vector<MilestonePick>& picks() {
  static const std::vector<MilestonePick> p = {{"aanmelding", "gemeente-denbosch"},
                                               {"intake", "mo-denbosch"},
                                               {"urgentie_aangevraagd", "mo-denbosch"},
                                               {"woning_aangeboden", "zayaz"}};
  return p;
}

v1::ClientEvent make_event(const std::string& id, const std::string& client, size_t stage,
                           int64_t occurred, int64_t recorded = 0) {
  v1::ClientEvent e;
  e.set_event_id(id);
  e.set_chain_id("wonen-eerst");
  e.set_client_ref(client);
  e.set_type(picks()[stage].type);
  e.set_partner_id(picks()[stage].partner);
  e.mutable_occurred_at()->set_seconds(occurred);
  if (recorded != 0) e.mutable_recorded_at()->set_seconds(recorded);
  return e;
}

std::string bytes_of(const v1::ClientEvent& e) {
  std::string out;
  EXPECT_TRUE(e.SerializeToString(&out));
  return out;
}

struct BadMessage {
  BadMessage(std::string name_, kf::OutMessage message_, std::set<std::string> codes_,
             bool raw_identifier_ = false, std::string original_id_ = "")
      : name(std::move(name_)),
        message(std::move(message_)),
        codes(std::move(codes_)),
        raw_identifier(raw_identifier_),
        original_id(std::move(original_id_)) {}
  std::string name;
  kf::OutMessage message;
  std::set<std::string> codes;  // any of these is right
  bool raw_identifier = false;  // the DLQ must carry it with client_ref "<removed>"
  std::string original_id;      // event_id of the original (raw_identifier only)
};

TEST(KafkaBadInput, EveryBadRecordLandsOnTheDeadLetterTopic) {
  const auto t0 = Clock::now();
  it::TempDir tmp;
  const std::string bsn = "111222333";
  const std::string email = "jan.jansen@example.nl";

  // Valid: 5 clients through the first 4 stages, a day apart.
  std::vector<kf::OutMessage> valid;
  std::vector<v1::ClientEvent> valid_events;
  for (int c = 0; c < 5; ++c) {
    for (size_t s = 0; s < 4; ++s) {
      const std::string client = "c-valid-" + std::to_string(c);
      const int64_t t = kMarch1 + static_cast<int64_t>(s) * kDay + c * 3600;
      valid_events.push_back(
          make_event("ok-" + std::to_string(c) + "-" + std::to_string(s), client, s, t, t + 1800));
      valid.push_back({client, bytes_of(valid_events.back()), {}, -1});
    }
  }

  std::vector<BadMessage> bad;
  {
    std::mt19937 rng(4);
    std::string junk(300, '\0');
    for (char& b : junk) b = static_cast<char>(rng() & 0xff);
    junk[0] = '\x00';  // field number 0: never a valid protobuf
    v1::ClientEvent probe;
    ASSERT_FALSE(probe.ParseFromString(junk));
    bad.push_back({"random bytes", {"junk-1", junk, {}, -1}, {"decode_error"}});
  }
  {
    const std::string whole = bytes_of(make_event("trunc", "c-bad-1", 0, kMarch1));
    std::string cut;
    for (size_t n = whole.size() / 2; n < whole.size(); ++n) {
      v1::ClientEvent probe;
      if (!probe.ParseFromString(whole.substr(0, n))) {
        cut = whole.substr(0, n);
        break;
      }
    }
    ASSERT_FALSE(cut.empty());
    bad.push_back({"truncated protobuf", {"c-bad-1", cut, {}, -1}, {"decode_error"}});
  }
  {
    v1::ClientEvent e = make_event("other-chain", "c-bad-2", 0, kMarch1);
    e.set_chain_id("no-such-chain");
    bad.push_back({"unknown chain", {"c-bad-2", bytes_of(e), {}, -1}, {"unknown_chain"}});
  }
  {
    v1::ClientEvent e = make_event("no-milestone", "c-bad-3", 0, kMarch1);
    e.set_type("not_a_milestone");
    bad.push_back({"unknown milestone", {"c-bad-3", bytes_of(e), {}, -1}, {"unknown_milestone"}});
  }
  {
    v1::ClientEvent e = make_event("not-allowed", "c-bad-4", 1, kMarch1);
    e.set_partner_id("zayaz");  // intake is mo-denbosch's
    bad.push_back(
        {"partner not allowed", {"c-bad-4", bytes_of(e), {}, -1}, {"partner_not_allowed"}});
  }
  {
    v1::ClientEvent e = make_event("stranger", "c-bad-5", 0, kMarch1);
    e.set_partner_id("no-such-partner");
    bad.push_back({"unknown partner", {"c-bad-5", bytes_of(e), {}, -1}, {"unknown_partner"}});
  }
  bad.push_back(
      {"occurred > 1 day after recorded",
       {"c-bad-6",
        bytes_of(make_event("future", "c-bad-6", 0, kMarch1 + 4 * kDay, kMarch1 + 2 * kDay)),
        {},
        -1},
       {"occurred_after_recorded"}});
  bad.push_back({"before 1900",
                 {"c-bad-7", bytes_of(make_event("ancient", "c-bad-7", 0, -2208992400)), {}, -1},
                 {"occurred_before_1900"}});
  // A partner that keys by client_ref puts the raw identifier in the key too.
  bad.push_back({"BSN client_ref",
                 {bsn, bytes_of(make_event("bsn", bsn, 0, kMarch1)), {}, -1},
                 {"bsn_client_ref"},
                 true,
                 "bsn"});
  bad.push_back({"e-mail client_ref",
                 {email, bytes_of(make_event("email", email, 0, kMarch1)), {}, -1},
                 {"email_client_ref"},
                 true,
                 "email"});
  {
    v1::ClientEvent e = make_event("", "c-bad-8", 0, kMarch1);
    bad.push_back({"missing event_id", {"c-bad-8", bytes_of(e), {}, -1}, {"missing_field"}});
  }
  {
    v1::ClientEvent e = make_event("no-time", "c-bad-9", 0, kMarch1);
    e.clear_occurred_at();
    bad.push_back({"missing occurred_at", {"c-bad-9", bytes_of(e), {}, -1}, {"missing_field"}});
  }
  {
    v1::ClientEvent e = make_event("no-partner", "c-bad-10", 0, kMarch1);
    e.clear_partner_id();
    bad.push_back({"missing partner_id", {"c-bad-10", bytes_of(e), {}, -1}, {"missing_field"}});
  }
  {
    v1::ClientEvent e = make_event("huge", "c-bad-11", 0, kMarch1);
    (*e.mutable_attributes())["note"] = std::string(100 * 1024, 'x');
    bad.push_back({"oversized (100 KiB)", {"c-bad-11", bytes_of(e), {}, -1}, {"too_large"}});
  }
  bad.push_back({"null value (tombstone)",
                 {std::string("c-bad-12"), std::nullopt, {}, -1},
                 {"decode_error", "missing_field"}});
  {
    // Same event_id as a valid event, other payload, after it (same key, so
    // the same partition).
    v1::ClientEvent e = valid_events[0];
    e.mutable_occurred_at()->set_seconds(kMarch1 - 2 * kDay);
    bad.push_back(
        {"event_id conflict", {e.client_ref(), bytes_of(e), {}, -1}, {"event_id_conflict"}});
  }

  // Interleaved: valid[i], bad[i], ...; then an exact repeat of valid[1].
  std::vector<kf::OutMessage> messages;
  std::vector<int> bad_index;  // per message: index into `bad`, or -1
  for (size_t i = 0; i < std::max(valid.size(), bad.size()); ++i) {
    if (i < valid.size()) {
      messages.push_back(valid[i]);
      bad_index.push_back(-1);
    }
    if (i < bad.size()) {
      messages.push_back(bad[i].message);
      bad_index.push_back(static_cast<int>(i));
    }
  }
  messages.push_back(valid[1]);
  bad_index.push_back(-1);

  kf::Broker broker;
  const std::string topic = "ketenflow.events";
  const std::string dlq = topic + ".dlq";
  ASSERT_TRUE(Ok(topics_create(broker, topic, 2)));
  kf::Process serve(kf::serve_argv(serve_options(tmp / "A", broker, topic, "kt-bad")),
                    tmp / "serve.log");

  const std::vector<kf::Delivery> deliveries = kf::produce(broker.bootstrap(), topic, messages);
  ASSERT_EQ(deliveries.size(), messages.size());
  for (size_t i = 0; i < deliveries.size(); ++i) {
    ASSERT_EQ(deliveries[i].error, "") << "message " << i;
  }

  const kf::WaitResult w = kf::wait_for_processed(tmp / "A", messages.size(), 120s, &serve);
  ASSERT_TRUE(w.ok) << w.message;
  EXPECT_EQ(w.last.accepted, valid.size()) << w.last.text;
  EXPECT_EQ(w.last.duplicates, 1u) << w.last.text;
  EXPECT_EQ(w.last.rejected, bad.size()) << w.last.text;

  // The dead-letter topic: one record per bad message, with its headers.
  const kf::ConsumeResult dead = kf::consume_all(broker.bootstrap(), dlq, bad.size(), 60s);
  ASSERT_TRUE(dead.complete) << dead.error << "\nserve log:\n" << serve.log();
  EXPECT_EQ(dead.records.size(), bad.size());
  std::map<std::pair<int32_t, int64_t>, const kf::Record*> by_source;
  for (const kf::Record& r : dead.records) {
    EXPECT_FALSE(kf::record_contains(r, bsn)) << "the BSN is on the dead-letter topic";
    EXPECT_FALSE(kf::record_contains(r, email)) << "the e-mail address is on the dead-letter topic";
    const auto source_topic = r.header("source-topic");
    const auto partition = r.header("source-partition");
    const auto offset = r.header("source-offset");
    EXPECT_TRUE(r.header("reason").has_value()) << "DLQ record " << r.offset << " has no reason";
    EXPECT_EQ(source_topic.value_or("<none>"), topic);
    if (!partition || !offset || partition->empty() || offset->empty() ||
        partition->find_first_not_of("0123456789") != std::string::npos ||
        offset->find_first_not_of("0123456789") != std::string::npos) {
      ADD_FAILURE() << "DLQ record " << r.offset << ": source-partition '"
                    << partition.value_or("<none>") << "', source-offset '"
                    << offset.value_or("<none>") << "' should be decimal numbers";
      continue;
    }
    const auto key = std::make_pair(static_cast<int32_t>(std::stol(*partition)),
                                    static_cast<int64_t>(std::stoll(*offset)));
    EXPECT_TRUE(by_source.emplace(key, &r).second)
        << "source " << *partition << "/" << *offset << " twice on the dead-letter topic";
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto found = by_source.find({deliveries[i].partition, deliveries[i].offset});
    if (bad_index[i] < 0) {
      EXPECT_EQ(found, by_source.end())
          << "a valid event (message " << i << ", " << deliveries[i].partition << "/"
          << deliveries[i].offset << ") is on the dead-letter topic";
      continue;
    }
    const BadMessage& b = bad[static_cast<size_t>(bad_index[i])];
    if (found == by_source.end()) {
      ADD_FAILURE() << b.name << " (" << deliveries[i].partition << "/" << deliveries[i].offset
                    << ") is not on the dead-letter topic";
      continue;
    }
    const kf::Record& r = *found->second;
    const std::string reason = r.header("reason").value_or("");
    EXPECT_TRUE(
        std::any_of(b.codes.begin(), b.codes.end(),
                    [&](const std::string& c) { return reason.find(c) != std::string::npos; }))
        << b.name << ": reason header '" << reason << "' names none of the expected codes";
    if (b.raw_identifier) {
      v1::ClientEvent kept;
      if (!r.value || !kept.ParseFromString(*r.value)) {
        ADD_FAILURE() << b.name << ": DLQ value is not a ClientEvent: "
                      << printable(r.value.value_or("<null>"));
        continue;
      }
      EXPECT_EQ(kept.client_ref(), "<removed>") << b.name;
      EXPECT_EQ(kept.event_id(), b.original_id) << b.name;
    } else if (v1::ClientEvent probe; b.message.value && b.message.value->size() <= 64 * 1024 &&
                                      probe.ParseFromString(*b.message.value)) {
      EXPECT_TRUE(r.value == b.message.value)
          << b.name << ": DLQ value is not the original bytes (" << (r.value ? r.value->size() : 0)
          << " vs " << b.message.value->size() << " bytes)";
    } else {
      // A record that is not a ClientEvent keeps nothing of its bytes (README "What is
      // rejected"): they could hold an identifier no scan finds.
      EXPECT_TRUE(!r.value || r.value->empty()) << b.name << ": DLQ value should be empty";
    }
  }

  // serve is still consuming: one more valid event is counted.
  ASSERT_TRUE(serve.running()) << serve.describe_state() << "\n" << serve.log();
  const v1::ClientEvent late = make_event("late-0", "c-late-0", 0, kMarch1 + 7 * kDay);
  ASSERT_EQ(kf::produce(broker.bootstrap(), topic, {{late.client_ref(), bytes_of(late), {}, -1}})
                .at(0)
                .error,
            "");
  const kf::WaitResult w2 = kf::wait_for_processed(tmp / "A", messages.size() + 1, 60s, &serve);
  ASSERT_TRUE(w2.ok) << w2.message;
  EXPECT_EQ(w2.last.accepted, valid.size() + 1);

  // `rejects` lists them, without raw identifiers (a second reader while serve runs).
  const it::RunResult table = it::ketenflow({"rejects", "--data", tmp / "A"});
  EXPECT_TRUE(Ok(table));
  EXPECT_NE(table.out.find(std::to_string(bad.size()) + " rejected records"), std::string::npos)
      << table.out;
  const it::RunResult rj = it::ketenflow({"rejects", "--data", tmp / "A", "--format", "json"});
  ASSERT_TRUE(Ok(rj));
  std::multiset<std::string> listed;
  for (const std::string& line : it::split_lines(rj.out)) {
    try {
      listed.insert(json::parse(line).value("code", ""));
    } catch (const json::exception& e) {
      ADD_FAILURE() << "rejects --format json: " << e.what() << ": " << line.substr(0, 300);
    }
  }
  EXPECT_EQ(listed.size(), bad.size()) << rj.out.substr(0, 3000);
  for (const BadMessage& b : bad) {
    const bool any = std::any_of(b.codes.begin(), b.codes.end(),
                                 [&](const std::string& c) { return listed.count(c) > 0; });
    EXPECT_TRUE(any) << b.name << " not listed by rejects";
  }
  for (const std::string& text : {table.out, rj.out}) {
    EXPECT_EQ(text.find(bsn), std::string::npos) << "rejects shows the BSN";
    EXPECT_EQ(text.find(email), std::string::npos) << "rejects shows the e-mail address";
  }

  // The accepted events are in the KPIs.
  const it::RunResult k =
      it::ketenflow({"kpi", "--data", tmp / "A", "--chain", "wonen-eerst", "--format", "json"});
  ASSERT_TRUE(Ok(k));
  const json kpis = json::parse(k.out);
  const std::map<std::string, int> want_entries = {
      {"aanmelding", 6}, {"intake_opvang", 5}, {"urgentie", 5}, {"woningaanbod", 5}};
  for (const json& stage : kpis.at("stages")) {
    const auto want = want_entries.find(stage.at("stage").get<std::string>());
    EXPECT_EQ(stage.at("entries").get<int>(), want == want_entries.end() ? 0 : want->second)
        << stage.dump();
  }

  ASSERT_TRUE(StopsCleanly(serve));
  const std::string serve_log = it::read_file(serve.log_file());
  EXPECT_EQ(serve_log.find(bsn), std::string::npos) << "serve logged the BSN";
  EXPECT_EQ(serve_log.find(email), std::string::npos) << "serve logged the e-mail address";
  std::cout << "[ timing ] test " << seconds_since(t0) << " s\n";
}

// ---------------------------------------------------------------------------
// 5. The publisher.

std::string hmac_pseudonym(const std::string& key, const std::string& raw) {
  unsigned char digest[32];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "p-";
  for (unsigned int i = 0; i < 16 && i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

TEST(KafkaPublisher, PseudonymisesDeterministicallyAndReportsRecordsWithoutId) {
  const auto t0 = Clock::now();
  it::TempDir tmp;
  // Raw identifiers: BSNs (they pass the elfproef), never to be seen on a topic.
  const std::vector<std::string> ids = {"111222333", "123456782", "999999990"};
  std::string csv = "bsn,concept:name,time:timestamp,org:group,note\n";
  struct Row {
    std::string id;  // "" for the rows without a usable identifier
    std::string type;
    int64_t occurred;
  };
  std::vector<Row> rows;
  const auto add = [&](const std::string& field, const std::string& id, size_t stage, int day,
                       int hour) {
    char when[64];
    std::snprintf(when, sizeof when, "2024-02-%02d %02d:00:00+01:00", day, hour);
    csv += field + "," + picks()[stage].type + "," + when + "," + picks()[stage].partner + ",row " +
           std::to_string(rows.size() + 2) + "\n";
    // 2024-02-01T00:00:00Z + days + hours, minus the +01:00 offset.
    rows.push_back({id, picks()[stage].type,
                    1706745600 + static_cast<int64_t>(day - 1) * kDay + (hour - 1) * 3600});
  };
  for (size_t s = 0; s < 3; ++s) {
    for (size_t c = 0; c < ids.size(); ++c) {
      add(ids[c], ids[c], s, 1 + static_cast<int>(s) * 3, 9 + static_cast<int>(c));
    }
  }
  add("", "", 0, 20, 9);     // line 11: empty identifier
  add("   ", "", 0, 21, 9);  // line 12: blanks only
  const size_t sendable = rows.size() - 2;
  const std::string file = tmp / "partner.csv";
  it::write_file(file, csv);

  const auto write_key = [&](const std::string& name, const std::string& key) {
    const std::string path = tmp / name;
    it::write_file(path, key + "\n");
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path;
  };
  const std::string key_a_text = "partner-secret-key-A-0123456789abcdef";
  const std::string key_b_text = "partner-secret-key-B-fedcba9876543210";
  const std::string key_a = write_key("a.key", key_a_text);
  const std::string key_b = write_key("b.key", key_b_text);

  kf::Broker broker;
  struct Run {
    std::string topic, key_file, key;
  };
  const std::vector<Run> runs = {{"partner.a1", key_a, key_a_text},
                                 {"partner.a2", key_a, key_a_text},
                                 {"partner.b", key_b, key_b_text}};
  std::vector<std::map<std::pair<std::string, int64_t>, std::string>> refs(runs.size());
  std::vector<std::set<std::string>> event_ids(runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    ASSERT_TRUE(Ok(topics_create(broker, runs[r].topic, 1)));
    const it::RunResult pub =
        publish(broker, runs[r].topic, {file},
                {"--format", "csv", "--pseudonymize", "bsn", "--key-file", runs[r].key_file});
    // Two rows cannot be pseudonymised: exit 1 and a line per row.
    EXPECT_EQ(pub.exit_code, 1) << pub.describe();
    const std::string report = pub.out + pub.err;
    for (const int line : {11, 12}) {
      const std::regex named("partner\\.csv:(line )?" + std::to_string(line) + ":");
      EXPECT_TRUE(std::regex_search(report, named))
          << "no report line for partner.csv line " << line << "\n"
          << pub.describe();
    }
    for (const std::string& id : ids) {
      EXPECT_EQ(report.find(id), std::string::npos) << "publish printed a raw identifier";
    }

    const kf::ConsumeResult got = kf::consume_all(broker.bootstrap(), runs[r].topic, sendable, 30s);
    ASSERT_TRUE(got.complete) << got.error;
    EXPECT_EQ(got.records.size(), sendable) << "only the rows with an identifier are sent";
    for (const kf::Record& rec : got.records) {
      for (const std::string& id : ids) {
        EXPECT_FALSE(kf::record_contains(rec, id))
            << runs[r].topic << " offset " << rec.offset << " holds raw identifier " << id;
      }
      v1::ClientEvent e;
      ASSERT_TRUE(rec.value && e.ParseFromString(*rec.value)) << "not a ClientEvent";
      EXPECT_TRUE(std::regex_match(e.client_ref(), std::regex("p-[0-9a-f]{32}"))) << e.client_ref();
      EXPECT_EQ(rec.key.value_or(""), e.client_ref()) << "the key is the client_ref";
      EXPECT_EQ(e.chain_id(), "wonen-eerst");
      EXPECT_TRUE(refs[r]
                      .emplace(std::make_pair(e.type(), e.occurred_at().seconds()), e.client_ref())
                      .second)
          << "two records for one row";
      event_ids[r].insert(e.event_id());
    }
  }

  // Per run: one pseudonym per raw identifier, distinct identifiers apart.
  for (size_t r = 0; r < runs.size(); ++r) {
    std::map<std::string, std::set<std::string>> per_id;
    for (const Row& row : rows) {
      if (row.id.empty()) continue;
      const auto found = refs[r].find({row.type, row.occurred});
      if (found == refs[r].end()) {
        ADD_FAILURE() << runs[r].topic << ": no record for " << row.type << " at " << row.occurred;
        continue;
      }
      per_id[row.id].insert(found->second);
      EXPECT_EQ(found->second, hmac_pseudonym(runs[r].key, row.id))
          << "client_ref is not \"p-\" + the first 32 hex digits of HMAC-SHA256(key, id)";
    }
    std::set<std::string> all;
    for (const auto& [id, set] : per_id) {
      EXPECT_EQ(set.size(), 1u) << runs[r].topic << ": one identifier, several pseudonyms";
      all.insert(set.begin(), set.end());
    }
    EXPECT_EQ(all.size(), ids.size()) << runs[r].topic << ": identifiers share a pseudonym";
  }
  // Same key: identical pseudonyms and event ids (re-publishing is harmless);
  // another key: every pseudonym differs.
  EXPECT_EQ(refs[0], refs[1]);
  EXPECT_EQ(event_ids[0], event_ids[1]);
  ASSERT_EQ(refs[0].size(), refs[2].size());
  std::set<std::string> refs_a;
  for (const auto& [row, ref] : refs[0]) refs_a.insert(ref);
  for (const auto& [row, ref] : refs[2]) {
    EXPECT_EQ(refs_a.count(ref), 0u) << "key B gave a pseudonym key A gave too";
    EXPECT_NE(refs[0].at(row), ref);
  }

  // A clean file: exit 0 through the idempotent producer, and the engine
  // accepts what was published.
  std::string clean;
  for (const std::string& line : it::split_lines(csv)) {
    if (line.rfind(",", 0) != 0 && line.rfind("   ,", 0) != 0) clean += line + "\n";
  }
  it::write_file(tmp / "clean.csv", clean);
  const it::RunResult ok =
      publish(broker, "partner.a1", {tmp / "clean.csv"},
              {"--format", "csv", "--pseudonymize", "bsn", "--key-file", key_a});
  EXPECT_TRUE(Ok(ok));
  kf::Process serve(kf::serve_argv(serve_options(tmp / "A", broker, "partner.a1", "kt-pub")),
                    tmp / "serve.log");
  const kf::WaitResult w = kf::wait_for_processed(tmp / "A", 2 * sendable, 90s, &serve);
  ASSERT_TRUE(w.ok) << w.message;
  EXPECT_EQ(w.last.accepted, sendable);
  EXPECT_EQ(w.last.duplicates, sendable) << "re-published rows are duplicates";
  EXPECT_EQ(w.last.rejected, 0u);
  ASSERT_TRUE(StopsCleanly(serve));
  std::cout << "[ timing ] test " << seconds_since(t0) << " s\n";
}

}  // namespace
