// The HTTP gateway for partner systems (issue 14 §2) end to end: a real broker
// (kafka_harness), the real `ketenflow serve --gateway` and `ketenflow
// gateway` on loopback ports, partner requests with cpp-httplib, the topic
// read back with librdkafka.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
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
using it::Ok;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kTopic = "ketenflow.events";

std::string add_token(const std::string& file, const std::string& name, const std::string& role,
                      const std::string& partner = "") {
  std::vector<std::string> args = {"tokens", "add", "--file", file, "--name", name, "--role", role};
  if (!partner.empty()) args.insert(args.end(), {"--partner", partner});
  const it::RunResult r = it::ketenflow(args);
  EXPECT_TRUE(Ok(r));
  std::string token = r.out;
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token;
}

// A ketenflow process serving HTTP; the port read from its log line
// "... http://127.0.0.1:PORT...".
class HttpProcess {
 public:
  HttpProcess(const std::vector<std::string>& argv, const std::string& log) : process_(argv, log) {
    const std::string marker = "http://127.0.0.1:";
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      const std::string text = process_.log();
      if (const size_t at = text.find(marker); at != std::string::npos) {
        port_ = std::atoi(text.c_str() + at + marker.size());
        break;
      }
      if (!process_.running()) break;
      std::this_thread::sleep_for(50ms);
    }
    if (port_ == 0) throw std::runtime_error("no HTTP server started:\n" + process_.log());
  }
  ~HttpProcess() {
    process_.signal(SIGTERM);
    process_.wait(20s);
  }

  httplib::Result post(const std::string& token, const std::string& body,
                       const std::string& type = "application/json") const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Post("/v1/events", headers, body, type);
  }
  httplib::Result get(const std::string& path, const std::string& token) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60, 0);
    return client.Get(path, {{"Authorization", "Bearer " + token}});
  }
  kf::Process& process() { return process_; }

 private:
  kf::Process process_;
  int port_ = 0;
};

// The answer for each event: "status" or "status code".
std::vector<std::string> answers(const std::string& body) {
  std::vector<std::string> out;
  const json reply = json::parse(body, nullptr, false);
  if (reply.is_discarded() || !reply.contains("events")) return {"not EventResults: " + body};
  for (const json& e : reply["events"]) {
    const std::string code = e.value("code", "");
    out.push_back(e.value("status", "") + (code.empty() ? "" : " " + code));
  }
  return out;
}

std::vector<json> events_of(const std::string& ndjson, const std::string& partner) {
  std::vector<json> out;
  for (const std::string& line : it::split_lines(ndjson)) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_discarded() && event.value("partnerId", "") == partner) out.push_back(event);
  }
  return out;
}

std::string pseudonym(const std::string& key, const std::string& raw) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), digest, &n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "p-";
  for (unsigned int i = 0; i < 16; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

TEST(Gateway, AMixedRequestGetsAnAnswerPerEventAndTheAcceptedOnesGiveTheKpisOfAFileIngest) {
  it::TempDir tmp;
  const std::string sim = tmp / "events.ndjson";
  ASSERT_TRUE(Ok(it::simulate(sim, 300, 7)));
  const std::vector<json> zayaz = events_of(it::read_file(sim), "zayaz");
  ASSERT_GT(zayaz.size(), 150u);
  std::string reference;
  for (const json& e : zayaz) reference += e.dump() + "\n";
  it::write_file(tmp / "zayaz.ndjson", reference);

  kf::Broker broker;
  ASSERT_TRUE(Ok(it::ketenflow({"topics", "create", "--brokers", broker.bootstrap(), "--topic",
                                kTopic, "--partitions", "3", "--replication-factor", "1"},
                               2min)));
  const std::string tokens = tmp / "tokens";
  const std::string token = add_token(tokens, "zayaz-system", "publisher", "zayaz");
  kf::ServeOptions options{
      tmp / "A", it::wonen_eerst(), broker.bootstrap(),
      kTopic,    "gw-mixed",        {"--http", "127.0.0.1:0", "--tokens", tokens, "--gateway"}};
  HttpProcess serve(kf::serve_argv(options), tmp / "serve.log");

  // Five good events, then the bad ones, then a repeat of the first.
  json request = json::array();
  for (size_t i = 0; i < 5; ++i) request.push_back(zayaz[i]);
  json unknown = zayaz[0];
  unknown["eventId"] = "gw-unknown-milestone";
  unknown["type"] = "verhuisd";
  json foreign = zayaz[0];
  foreign["eventId"] = "gw-foreign-partner";
  foreign["partnerId"] = "mo-denbosch";
  foreign["type"] = "intake";
  json not_ours = zayaz[0];
  not_ours["eventId"] = "gw-milestone-of-another";
  not_ours["type"] = "intake";
  json conflict = zayaz[1];
  conflict["attributes"] = {{"note", "other content"}};
  conflict["occurredAt"] = "2020-01-01T00:00:00Z";
  request.push_back(unknown);
  request.push_back(foreign);
  request.push_back(not_ours);
  request.push_back(zayaz[0]);
  request.push_back(conflict);
  request.push_back(json{{"eventId", "gw-no-event"}, {"chainId", 7}});
  auto reply = serve.post(token, request.dump());
  ASSERT_TRUE(reply) << httplib::to_string(reply.error()) << "\n" << serve.process().log();
  ASSERT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(answers(reply->body),
            (std::vector<std::string>{"accepted", "accepted", "accepted", "accepted", "accepted",
                                      "rejected unknown_milestone", "rejected partner_mismatch",
                                      "rejected partner_not_allowed", "duplicate",
                                      "rejected event_id_conflict", "rejected decode_error"}));
  const json body = json::parse(reply->body);
  EXPECT_EQ(body["accepted"], 5);
  EXPECT_EQ(body["duplicate"], 1);
  EXPECT_EQ(body["rejected"], 5);
  EXPECT_EQ(body["events"][6]["eventId"], "gw-foreign-partner");
  EXPECT_EQ(body["events"][6]["message"],
            "partnerId \"mo-denbosch\" is not this token's partner \"zayaz\": a publisher reports "
            "for its own partner only");

  // The rest in NDJSON batches of 100; the first event again is a duplicate
  // (the gateway remembers what it accepted).
  size_t accepted = 5;
  for (size_t start = 5; start < zayaz.size(); start += 100) {
    std::string lines = start == 5 ? zayaz[0].dump() + "\n" : "";
    for (size_t i = start; i < std::min(zayaz.size(), start + 100); ++i) {
      lines += zayaz[i].dump() + "\n";
    }
    auto batch = serve.post(token, lines, "application/x-ndjson");
    ASSERT_TRUE(batch);
    ASSERT_EQ(batch->status, 200) << batch->body;
    const json results = json::parse(batch->body);
    EXPECT_EQ(results["rejected"], 0) << batch->body;
    EXPECT_EQ(results["duplicate"], start == 5 ? 1 : 0) << batch->body;
    accepted += results["accepted"].get<size_t>();
  }
  EXPECT_EQ(accepted, zayaz.size());

  // In the engine: exactly the accepted events, and the same KPIs as a file
  // ingest of them.
  const kf::WaitResult w = kf::wait_for_processed(tmp / "A", zayaz.size(), 120s, &serve.process());
  ASSERT_TRUE(w.ok) << w.message;
  EXPECT_EQ(w.last.accepted, zayaz.size());
  EXPECT_EQ(w.last.rejected, 0u);
  ASSERT_TRUE(Ok(it::ketenflow({"ingest", "--data", tmp / "B", "--chains", it::wonen_eerst(),
                                "--quiet", tmp / "zayaz.ndjson"})));
  it::expect_same_kpis("gateway vs file ingest", it::kpi_outputs(tmp / "B"),
                       it::kpi_outputs(tmp / "A"));
}

TEST(Gateway, ARawIdentifierIsPseudonymisedAndNeverReachesTheTopicOrTheLog) {
  it::TempDir tmp;
  kf::Broker broker;
  ASSERT_TRUE(Ok(it::ketenflow({"topics", "create", "--brokers", broker.bootstrap(), "--topic",
                                kTopic, "--partitions", "1", "--replication-factor", "1"},
                               2min)));
  const std::string key = "a-key-of-the-chain-partners-0123456789";
  it::write_file(tmp / "key", key);
  ASSERT_EQ(::chmod((tmp / "key").c_str(), 0600), 0);
  const std::string tokens = tmp / "tokens";
  const std::string token = add_token(tokens, "gemeente-system", "publisher", "gemeente-denbosch");
  const std::string unkeyed = add_token(tokens, "zayaz-system", "publisher", "zayaz");
  HttpProcess gateway(
      {it::bin(), "gateway", "--brokers", broker.bootstrap(), "--http", "127.0.0.1:0", "--tokens",
       tokens, "--chains", it::wonen_eerst(), "--key-file", "gemeente-denbosch=" + tmp / "key"},
      tmp / "gateway.log");

  // A BSN (passes the elfproef) and a case number.
  const std::vector<std::string> raw = {"111222333", "ZAAK-2026-0042-XQ"};
  json request = json::array();
  for (size_t i = 0; i < raw.size(); ++i) {
    request.push_back({{"eventId", "gw-raw-" + std::to_string(i)},
                       {"chainId", "wonen-eerst"},
                       {"identifier", raw[i]},
                       {"type", "aanmelding"},
                       {"occurredAt", "2026-01-05T09:00:00Z"}});
  }
  // A malformed request quoting the identifier must not echo it either.
  auto broken = gateway.post(token, R"([{"identifier":"ZAAK-2026-0042-XQ", oops}])");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400);
  EXPECT_EQ(broken->body.find("ZAAK"), std::string::npos) << broken->body;

  auto reply = gateway.post(token, request.dump());
  ASSERT_TRUE(reply) << gateway.process().log();
  ASSERT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(answers(reply->body), (std::vector<std::string>{"accepted", "accepted"}));
  for (const std::string& r : raw) EXPECT_EQ(reply->body.find(r), std::string::npos);
  // Without a key for the partner, nothing is sent.
  json zayaz_event = request[0];
  zayaz_event["eventId"] = "gw-raw-unkeyed";
  zayaz_event["type"] = "woning_aangeboden";
  auto refused = gateway.post(unkeyed, zayaz_event.dump());
  ASSERT_TRUE(refused);
  EXPECT_EQ(answers(refused->body), (std::vector<std::string>{"rejected no_key"}));

  const kf::ConsumeResult topic = kf::consume_all(broker.bootstrap(), kTopic, 2, 60s);
  ASSERT_TRUE(topic.complete) << topic.error;
  ASSERT_EQ(topic.records.size(), 2u);
  std::set<std::string> refs;
  for (const kf::Record& record : topic.records) {
    for (const std::string& r : raw) {
      EXPECT_FALSE(kf::record_contains(record, r)) << "raw identifier on the topic";
    }
    ketenflow::v1::ClientEvent event;
    ASSERT_TRUE(record.value && event.ParseFromString(*record.value));
    EXPECT_EQ(record.key, event.client_ref());
    EXPECT_EQ(event.partner_id(), "gemeente-denbosch");
    refs.insert(event.client_ref());
  }
  EXPECT_EQ(refs, (std::set<std::string>{pseudonym(key, raw[0]), pseudonym(key, raw[1])}));
  const std::string log = gateway.process().log(1 << 20);
  for (const std::string& r : raw) EXPECT_EQ(log.find(r), std::string::npos) << log;
}

TEST(Gateway, StandaloneRefusesOversizeRequestsOtherRolesReadRoutesAndTooManyRequests) {
  it::TempDir tmp;
  kf::Broker broker;
  ASSERT_TRUE(Ok(it::ketenflow({"topics", "create", "--brokers", broker.bootstrap(), "--topic",
                                kTopic, "--partitions", "1", "--replication-factor", "1"},
                               2min)));
  const std::string tokens = tmp / "tokens";
  const std::string publisher = add_token(tokens, "zayaz-system", "publisher", "zayaz");
  const std::string limited = add_token(tokens, "zayaz-limited", "publisher", "zayaz");
  const std::string operator_token = add_token(tokens, "zayaz-operator", "operator", "zayaz");
  const std::string admin = add_token(tokens, "admin", "admin");
  HttpProcess gateway(
      {it::bin(), "gateway", "--brokers", broker.bootstrap(), "--http", "127.0.0.1:0", "--tokens",
       tokens, "--chains", it::wonen_eerst(), "--gateway-max-bytes", "4096", "--gateway-max-events",
       "3", "--gateway-rate", "0.001", "--gateway-burst", "2"},
      tmp / "gateway.log");
  const json event = {{"eventId", "gw-1"},
                      {"chainId", "wonen-eerst"},
                      {"clientRef", "p-0123456789abcdef0123456789abcdef"},
                      {"type", "woning_aangeboden"},
                      {"occurredAt", "2026-01-05T09:00:00Z"}};

  // Over --gateway-max-bytes: 413 before anything is decoded.
  json big = event;
  big["attributes"] = {{"note", std::string(5000, 'x')}};
  auto over = gateway.post(publisher, big.dump());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 413);
  EXPECT_EQ(json::parse(over->body).value("message", ""),
            "the request body is over 4096 bytes, the limit of this route");
  // More events than --gateway-max-events: 413 too.
  auto many = gateway.post(publisher, json::array({event, event, event, event}).dump());
  ASSERT_TRUE(many);
  EXPECT_EQ(many->status, 413);
  EXPECT_EQ(json::parse(many->body).value("message", ""),
            "a request holds at most 3 events; send the rest in another request");

  // Other roles may not send; publishers may not read; the gateway serves no reads.
  auto by_operator = gateway.post(operator_token, event.dump());
  ASSERT_TRUE(by_operator);
  EXPECT_EQ(by_operator->status, 403);
  EXPECT_EQ(json::parse(by_operator->body).value("code", ""), "forbidden");
  auto unknown = gateway.post("kft_not-a-token", event.dump());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  auto read = gateway.get("/v1/chains", admin);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 404);
  auto probe = gateway.get("/healthz", "");
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->status, 200);

  // Two requests at once (--gateway-burst 2), then 429 with Retry-After.
  auto first = gateway.post(limited, event.dump());
  ASSERT_TRUE(first);
  EXPECT_EQ(answers(first->body), (std::vector<std::string>{"accepted"}));
  auto second = gateway.post(limited, event.dump());
  ASSERT_TRUE(second);
  EXPECT_EQ(answers(second->body), (std::vector<std::string>{"duplicate"}));
  auto third = gateway.post(limited, event.dump());
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429);
  EXPECT_TRUE(third->has_header("Retry-After"));
  EXPECT_GE(std::stoi(third->get_header_value("Retry-After")), 1);
  EXPECT_EQ(kf::end_offsets(broker.bootstrap(), kTopic).at(0), 1);
}

// Publishers may not read through serve either.
TEST(Gateway, APublisherTokenReadsNothingFromServe) {
  it::TempDir tmp;
  const std::string tokens = tmp / "tokens";
  const std::string publisher = add_token(tokens, "zayaz-system", "publisher", "zayaz");
  HttpProcess serve({it::bin(), "serve", "--data", tmp / "A", "--chains", it::wonen_eerst(),
                     "--http", "127.0.0.1:0", "--tokens", tokens},
                    tmp / "serve.log");
  for (const char* path : {"/v1/me", "/v1/chains", "/v1/chains/wonen-eerst/kpis", "/v1/metrics"}) {
    auto reply = serve.get(path, publisher);
    ASSERT_TRUE(reply) << path;
    EXPECT_EQ(reply->status, 403) << path;
  }
  // Without --gateway the route answers 404.
  auto post = serve.post(publisher, "{}");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
}

}  // namespace
