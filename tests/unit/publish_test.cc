// The partner-side publisher (connectors/publish): pseudonymisation against
// the HMAC-SHA256 test vectors, key-file refusals, deterministic event bytes,
// and the producer's error paths against librdkafka's in-process mock cluster
// (no real broker: the integration tests cover that).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "connectors/publish/pseudonym.h"
#include "connectors/publish/publisher.h"
#include "model/chain_file.h"
#include "model/event.h"
#include "test_support.h"

namespace ketenflow::publish {
namespace {

using ketenflow::testing::TempDir;

TEST(Pseudonymize, MatchesHmacSha256TestVector) {
  // RFC 4231, test case 2.
  EXPECT_EQ(pseudonymize("Jefe", "what do ya want for nothing?"),
            "p-5bdcc146bf60754e6a042426089575c7");
}

TEST(Pseudonymize, IsDeterministicPerKeyAndDiffersAcrossKeysAndInputs) {
  const std::string key_a = "0123456789abcdef-partner-a";
  const std::string key_b = "0123456789abcdef-partner-b";
  const std::string ref = pseudonymize(key_a, "123456782");
  EXPECT_EQ(ref, pseudonymize(key_a, "123456782"));
  EXPECT_NE(ref, pseudonymize(key_b, "123456782"));
  EXPECT_NE(ref, pseudonymize(key_a, "123456783"));
  EXPECT_EQ(ref.size(), 34u);
  EXPECT_EQ(ref.rfind("p-", 0), 0u);
  for (char c : ref.substr(2)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  // Not something validation would take for a raw identifier.
  EXPECT_FALSE(ingest::looks_like_bsn(ref));
  EXPECT_FALSE(ingest::looks_like_email(ref));
}

std::string write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(ReadKeyFile, ReadsTheKeyWithoutTrailingNewline) {
  TempDir dir;
  auto key = read_key_file(write_file(dir.path() + "/key", "s3cret-key-of-22-bytes\n", 0600));
  ASSERT_TRUE(key.ok()) << key.error();
  EXPECT_EQ(*key, "s3cret-key-of-22-bytes");
  key = read_key_file(write_file(dir.path() + "/key2", "s3cret-key-of-22-bytes\r\n", 0400));
  ASSERT_TRUE(key.ok()) << key.error();
  EXPECT_EQ(*key, "s3cret-key-of-22-bytes");
}

TEST(ReadKeyFile, RefusesAFileOthersCanRead) {
  TempDir dir;
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    const std::string path = write_file(dir.path() + "/key", "s3cret-key-of-22-bytes", mode);
    auto key = read_key_file(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_NE(key.error().find("chmod 600 " + path), std::string::npos) << key.error();
    EXPECT_EQ(key.error().find("s3cret"), std::string::npos) << key.error();
  }
}

TEST(ReadKeyFile, RefusesEmptyShortAndMissingKeys) {
  TempDir dir;
  auto key = read_key_file(write_file(dir.path() + "/empty", "", 0600));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().find("empty"), std::string::npos) << key.error();
  key = read_key_file(write_file(dir.path() + "/newline", "\n", 0600));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().find("empty"), std::string::npos) << key.error();
  key = read_key_file(write_file(dir.path() + "/short", "fifteen-bytes!!\n", 0600));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().find("at least 16"), std::string::npos) << key.error();
  EXPECT_EQ(key.error().find("fifteen"), std::string::npos) << key.error();
  EXPECT_TRUE(read_key_file(write_file(dir.path() + "/16", "sixteen-bytes-ok", 0600)).ok());
  EXPECT_FALSE(read_key_file(dir.path() + "/missing").ok());
}

TEST(EventBytes, AreDeterministic) {
  v1::ClientEvent a;
  a.set_event_id("e1");
  (*a.mutable_attributes())["zeta"] = "1";
  (*a.mutable_attributes())["alpha"] = "2";
  (*a.mutable_attributes())["mid"] = "3";
  v1::ClientEvent b;
  b.set_event_id("e1");
  (*b.mutable_attributes())["mid"] = "3";
  (*b.mutable_attributes())["alpha"] = "2";
  (*b.mutable_attributes())["zeta"] = "1";
  EXPECT_EQ(model::canonical_bytes(a), model::canonical_bytes(b));
  v1::ClientEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(model::canonical_bytes(a)));
  EXPECT_EQ(parsed.attributes().at("alpha"), "2");
}

// ---------------------------------------------------------------------------
// The producer against librdkafka's mock cluster.

const char* const kChainYaml = R"(id: test-keten
name: Testketen
partners:
  - {id: gemeente, name: Gemeente}
  - {id: opvang, name: Opvang}
stages:
  - {id: aanmelding, name: Aanmelding, owner: gemeente}
  - {id: opvang, name: Opvang, owner: opvang}
milestones:
  - {id: aangemeld, name: Aangemeld, stage: aanmelding, partners: [gemeente]}
  - {id: intake, name: Intake, stage: opvang, partners: [opvang]}
)";

// A mock cluster with one broker (id 1), kept alive by its own client handle.
class MockCluster {
 public:
  MockCluster() {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk_ == nullptr) {
      ADD_FAILURE() << errstr;
      return;
    }
    cluster_ = rd_kafka_mock_cluster_new(rk_, 1);
  }
  ~MockCluster() {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  void create_topic(const std::string& name, int partitions) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void broker_down() { rd_kafka_mock_broker_set_down(cluster_, 1); }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

class PublishMock : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = model::parse_chain_yaml(kChainYaml, "test-keten.yaml");
    ASSERT_TRUE(chain.ok()) << chain.error();
    chains_.push_back(std::move(*chain));
    mock_.create_topic("ketenflow.events", 3);
    options_.brokers = mock_.bootstraps();
    options_.timeout_ms = 10000;
  }

  // `n` valid events for n clients, one NDJSON line each.
  std::string ndjson(int n, const std::string& extra = "") {
    std::string path = dir_.path() + "/events.ndjson";
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) {
      out << R"({"eventId":"e-)" << i << R"(","chainId":"test-keten","clientRef":"c-)" << i
          << R"(","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z")"
          << extra << "}\n";
    }
    return path;
  }

  Result<PublishReport> publish(const std::string& path,
                                ingest::InputFormat format = ingest::ndjson_format(),
                                ingest::CsvMapping csv = {}) {
    PublishFile file;
    file.path = path;
    file.read.format = std::move(format);
    file.read.csv = std::move(csv);
    return publish_files(chains_, {file}, options_);
  }

  TempDir dir_;
  MockCluster mock_;
  std::vector<model::ChainModel> chains_;
  PublishOptions options_;
};

TEST_F(PublishMock, DeliversEveryValidRecordWithTheIdempotentProducer) {
  auto report = publish(ndjson(500));
  ASSERT_TRUE(report.ok()) << report.error();
  ASSERT_EQ(report->files.size(), 1u);
  EXPECT_EQ(report->files[0].sent, 500u);
  EXPECT_EQ(report->files[0].invalid, 0u);
  EXPECT_EQ(report->files[0].not_delivered, 0u);
  EXPECT_TRUE(report->all_delivered());
  EXPECT_TRUE(report->problems.empty());
}

TEST_F(PublishMock, ReportsInvalidRecordsWithoutSendingThemOrTheirClientRef) {
  const std::string path = dir_.path() + "/mixed.ndjson";
  std::ofstream(path)
      << R"({"eventId":"e-1","chainId":"test-keten","clientRef":"c-1","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z"})"
      << "\n"
      << R"({"eventId":"e-2","chainId":"test-keten","clientRef":"123456782","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z"})"
      << "\n"
      << R"({"eventId":"e-3","chainId":"test-keten","clientRef":"c-geheim","type":"intake","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z"})"
      << "\n"
      << "not json\n";
  auto report = publish(path);
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_EQ(report->files[0].sent, 1u);
  EXPECT_EQ(report->files[0].invalid, 3u);
  EXPECT_FALSE(report->all_delivered());
  ASSERT_EQ(report->problems.size(), 3u);
  EXPECT_EQ(report->problems[0].position, "line 2");
  EXPECT_EQ(report->problems[0].reason.rfind("bsn_client_ref: ", 0), 0u);
  EXPECT_EQ(report->problems[1].position, "line 3");
  EXPECT_EQ(report->problems[1].reason.rfind("partner_not_allowed: ", 0), 0u);
  EXPECT_EQ(report->problems[2].reason.rfind("decode_error: ", 0), 0u);
  for (const RecordProblem& p : report->problems) {
    EXPECT_EQ(p.reason.find("123456782"), std::string::npos) << p.reason;
    EXPECT_EQ(p.reason.find("c-geheim"), std::string::npos) << p.reason;
  }
}

TEST_F(PublishMock, AppliesTheEngineRulesOnNormalisedIdentifiersAttributesAndTimes) {
  // The engine's own rules, before anything is sent: identifiers after
  // normalisation, identifiers in attribute values, times after 2100.
  const std::string path = dir_.path() + "/partner.ndjson";
  const auto line = [](const std::string& id, const std::string& ref, const std::string& extra) {
    return R"({"eventId":")" + id + R"(","chainId":"test-keten","clientRef":")" + ref +
           R"(","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z")" +
           extra + "}\n";
  };
  std::ofstream(path)
      << line("e-1", "c-1", R"(,"attributes":{"urgent":"true"})")
      << line("e-2", "BSN: 111-222-333", "")
      << line("e-3", "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13", "")
      << line("e-4", "jan\uff20example.nl", "")
      << line("e-5", "c-5", R"(,"attributes":{"dossier":"111 222 333"})")
      << line("e-6", "c-6", R"(,"attributes":{"contact":"jan@localhost"})")
      << R"({"eventId":"e-7","chainId":"test-keten","clientRef":"c-7","type":"aangemeld","partnerId":"gemeente","occurredAt":"9999-12-31T00:00:00Z"})"
      << "\n";
  auto report = publish(path);
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_EQ(report->files[0].sent, 1u);
  EXPECT_EQ(report->files[0].invalid, 6u);
  ASSERT_EQ(report->problems.size(), 6u);
  const std::vector<std::string> want = {"bsn_client_ref", "bsn_client_ref",  "email_client_ref",
                                         "bsn_attribute",  "email_attribute", "occurred_in_future"};
  for (size_t i = 0; i < want.size(); ++i) {
    const RecordProblem& p = report->problems[i];
    EXPECT_EQ(p.position, "line " + std::to_string(i + 2));
    EXPECT_EQ(p.reason.rfind(want[i] + ": ", 0), 0u) << p.reason;
    for (const std::string trace : {"111", "\uff11", "jan"}) {
      EXPECT_EQ(p.reason.find(trace), std::string::npos) << p.reason;
    }
  }
}

TEST_F(PublishMock, PseudonymisesAnAttributeAndReportsRecordsWithoutOne) {
  const std::string path = dir_.path() + "/raw.ndjson";
  std::ofstream(path)
      << R"({"eventId":"e-1","chainId":"test-keten","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z","attributes":{"bsn":"123456782"}})"
      << "\n"
      << R"({"eventId":"e-2","chainId":"test-keten","clientRef":"c-2","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z"})"
      << "\n"
      << R"({"eventId":"e-3","chainId":"test-keten","type":"aangemeld","partnerId":"gemeente","occurredAt":"2024-03-05T09:00:00Z","attributes":{"bsn":"  "}})"
      << "\n";
  options_.pseudonymize = Pseudonymization{"bsn", "0123456789abcdef-key"};
  auto report = publish(path);
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_EQ(report->files[0].sent, 1u);
  EXPECT_EQ(report->files[0].invalid, 2u);
  ASSERT_EQ(report->problems.size(), 2u);
  EXPECT_EQ(report->problems[0].position, "line 2");
  EXPECT_EQ(report->problems[0].reason.rfind("missing_identifier: ", 0), 0u);
  EXPECT_EQ(report->problems[1].position, "line 3");
}

TEST_F(PublishMock, PseudonymisesACsvColumn) {
  const std::string path = dir_.path() + "/raw.csv";
  std::ofstream(path) << "bsn,concept:name,time:timestamp,org:group\n"
                      << "123456782,aangemeld,2024-03-05T09:00:00Z,gemeente\n"
                      << ",aangemeld,2024-03-05T09:00:00Z,gemeente\n";
  options_.pseudonymize = Pseudonymization{"bsn", "0123456789abcdef-key"};
  ingest::CsvMapping csv;
  csv.case_column = "bsn";
  csv.chain_id = "test-keten";
  auto report = publish(path, ingest::csv_format(), csv);
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_EQ(report->files[0].sent, 1u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].position, "line 3");
  EXPECT_EQ(report->problems[0].reason.rfind("missing_identifier: ", 0), 0u);
}

TEST_F(PublishMock, RefusesAMissingTopicBeforeSendingAnything) {
  options_.topic = "no.such.topic";
  auto report = publish(ndjson(3));
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().find("does not exist"), std::string::npos) << report.error();
}

TEST_F(PublishMock, ReportsEveryRecordAsNotDeliveredWhenTheBrokersAreDown) {
  mock_.broker_down();
  options_.require_topic = false;  // the metadata request would fail first
  options_.timeout_ms = 1500;
  auto report = publish(ndjson(20));
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_EQ(report->files[0].sent, 0u);
  EXPECT_EQ(report->files[0].not_delivered, 20u);
  EXPECT_FALSE(report->all_delivered());
  ASSERT_EQ(report->problems.size(), 20u);
  EXPECT_EQ(report->problems[0].position, "line 1");
  EXPECT_EQ(report->problems[0].reason.rfind("not delivered: ", 0), 0u);
  EXPECT_LT(report->seconds, 10.0);
}

}  // namespace
}  // namespace ketenflow::publish
