// What the pipeline (ingest/pipeline.h) keeps of personal data: only the
// attributes some `where:` reads are stored; a rejected protobuf record is
// kept scrubbed (client_ref, attributes, string fields) or, when it cannot be
// decoded, not at all; and the moment of ingest is an injected clock that
// bounds event times without making a rebuild drop what was accepted.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/pipeline.h"
#include "ingest/rebuild.h"
#include "model/chain_file.h"
#include "model/event.h"
#include "query/rejects_query.h"
#include "store/keys.h"
#include "store/store.h"
#include "test_support.h"

namespace ketenflow::ingest {
namespace {

// 2024-03-05T09:00:00Z
constexpr int64_t kOccurredSeconds = 1709629200;
constexpr int64_t kDayMs = 86'400'000;
const std::string kFullWidthBsn = "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13";

std::string chain_yaml() {
  return std::string(testing::kTestChainYaml) + R"(measures:
  - {id: snel, name: Snel, kind: within, from: aangemeld, to: intake, days: 5,
     where: {urgent: "true"}}
)";
}

v1::ClientEvent make_event(const std::string& id, const std::string& client) {
  v1::ClientEvent e;
  e.set_event_id(id);
  e.set_chain_id("test-keten");
  e.set_client_ref(client);
  e.set_type("aangemeld");
  e.set_partner_id("gemeente");
  e.mutable_occurred_at()->set_seconds(kOccurredSeconds);
  return e;
}

// A record as the pb file source and the Kafka source make it.
SourceRecord pb_record(const v1::ClientEvent& e, const std::string& position) {
  SourceRecord r;
  r.raw = model::canonical_bytes(e);
  r.raw_is_protobuf = true;
  r.event = e;
  r.position = position;
  return r;
}

class PipelinePrivacy : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::Store::open(dir_.path() + "/db", store::StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(*store);
    open_pipeline();
  }
  void open_pipeline() {
    pipeline_.reset();
    auto chain = model::parse_chain_yaml(chain_yaml(), "test-keten.yaml");
    ASSERT_TRUE(chain.ok()) << chain.error();
    ChainSetup setup;
    setup.chains.push_back(std::move(*chain));
    PipelineOptions options;
    options.clock = [this] { return now_ms_; };
    auto pipeline = Pipeline::open(*store_, std::move(setup), options);
    ASSERT_TRUE(pipeline.ok()) << pipeline.error();
    pipeline_ = std::move(*pipeline);
  }
  BatchCounts apply(std::vector<SourceRecord> records) {
    auto counts = pipeline_->apply(records, "test.pb", {});
    EXPECT_TRUE(counts.ok()) << counts.error();
    return counts.ok() ? *counts : BatchCounts{};
  }
  std::vector<v1::ClientEvent> stored_events() const {
    std::vector<v1::ClientEvent> out;
    auto it = store_->iterate(store::Cf::kEvents);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::StoredEvent stored;
      EXPECT_TRUE(stored.ParseFromString(it->value().ToString()));
      EXPECT_TRUE(out.emplace_back().ParseFromString(stored.event()));
    }
    return out;
  }
  std::vector<v1::Reject> rejects() const {
    auto r = query::list_rejects(*store_, {});
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? r->rejects : std::vector<v1::Reject>{};
  }

  testing::TempDir dir_;
  int64_t now_ms_ = kOccurredSeconds * 1000 + 3'600'000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
};

// --- 2. attributes ------------------------------------------------------------------

TEST_F(PipelinePrivacy, StoresOnlyTheAttributesSomeWhereReads) {
  v1::ClientEvent e = make_event("e1", "c-1");
  (*e.mutable_attributes())["urgent"] = "true";
  (*e.mutable_attributes())["geboortedatum"] = "1990-01-01";
  (*e.mutable_attributes())["woonplaats"] = "Vught";
  EXPECT_EQ(apply({pb_record(e, "offset 0")}).accepted, 1u);
  const auto stored = stored_events();
  ASSERT_EQ(stored.size(), 1u);
  ASSERT_EQ(stored[0].attributes().size(), 1u);
  EXPECT_EQ(stored[0].attributes().at("urgent"), "true");

  // The payload is what is kept: the same event with other unread attributes
  // is a duplicate, not a conflict.
  (*e.mutable_attributes())["woonplaats"] = "Boxtel";
  const BatchCounts again = apply({pb_record(e, "offset 100")});
  EXPECT_EQ(again.duplicates, 1u);
  EXPECT_EQ(again.rejected, 0u);
}

TEST_F(PipelinePrivacy, AttributeHoldingABsnRejectsTheRecordAndLeavesNoTrace) {
  v1::ClientEvent e = make_event("e1", "c-1");
  (*e.mutable_attributes())["dossier"] = "BSN " + kFullWidthBsn;
  v1::ClientEvent m = make_event("e2", "c-2");
  (*m.mutable_attributes())["contact"] = "jan@localhost";
  const BatchCounts counts = apply({pb_record(e, "offset 0"), pb_record(m, "offset 80")});
  EXPECT_EQ(counts.rejected, 2u);
  EXPECT_EQ(counts.rejected_by_code.at("bsn_attribute"), 1u);
  EXPECT_EQ(counts.rejected_by_code.at("email_attribute"), 1u);
  EXPECT_TRUE(stored_events().empty());
  for (const v1::Reject& r : rejects()) {
    EXPECT_EQ(r.record().find(kFullWidthBsn), std::string::npos) << r.code();
    EXPECT_EQ(r.record().find("jan@localhost"), std::string::npos) << r.code();
    v1::ClientEvent kept;
    ASSERT_TRUE(kept.ParseFromString(r.record())) << "a scrubbed pb record is still a ClientEvent";
    EXPECT_EQ(kept.client_ref(), "c…");  // shortened, as every listed client_ref
  }
}

TEST_F(PipelinePrivacy, RebuildWithAChainThatNoLongerReadsAnAttributeRemovesIt) {
  v1::ClientEvent e = make_event("e1", "c-1");
  (*e.mutable_attributes())["urgent"] = "true";
  ASSERT_EQ(apply({pb_record(e, "offset 0")}).accepted, 1u);
  ASSERT_EQ(stored_events().at(0).attributes().size(), 1u);

  // The chain without its measure: nothing reads `urgent` any more.
  pipeline_.reset();
  auto plain = model::parse_chain_yaml(testing::kTestChainYaml, "test-keten.yaml");
  ASSERT_TRUE(plain.ok());
  std::vector<model::ChainModel> chains;
  chains.push_back(*plain);
  auto rebuilt = rebuild(*store_, std::move(chains), {});
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error();
  EXPECT_EQ(rebuilt->attributes_dropped, 1u);
  EXPECT_TRUE(stored_events().at(0).attributes().empty());

  // The kept payload changed with it: the same event again is a duplicate.
  ChainSetup setup;
  setup.chains.push_back(std::move(*plain));
  auto pipeline = Pipeline::open(*store_, std::move(setup));
  ASSERT_TRUE(pipeline.ok()) << pipeline.error();
  std::vector<SourceRecord> again = {pb_record(e, "offset 0")};
  auto counts = (*pipeline)->apply(again, "again.pb", {});
  ASSERT_TRUE(counts.ok()) << counts.error();
  EXPECT_EQ(counts->duplicates, 1u);
  EXPECT_EQ(counts->rejected, 0u);
}

// --- 3. rejected protobuf records -----------------------------------------------

TEST_F(PipelinePrivacy, RejectedProtobufRecordsAreKeptWithoutRawIdentifiers) {
  v1::ClientEvent bsn = make_event("e1", "111222333");
  v1::ClientEvent wide = make_event("e2", kFullWidthBsn);
  v1::ClientEvent other = make_event("e3", "c-3");
  other.set_partner_id("no-such-partner");
  (*other.mutable_attributes())["note"] = "bel 111-222-333 of jan\uff20example.nl";
  std::vector<SourceRecord> records = {pb_record(bsn, "offset 0"), pb_record(wide, "offset 60"),
                                       pb_record(other, "offset 120")};
  const BatchCounts counts = apply(std::move(records));
  EXPECT_EQ(counts.rejected, 3u);
  const auto kept = rejects();
  ASSERT_EQ(kept.size(), 3u);
  for (const v1::Reject& r : kept) {
    for (const std::string& trace : {std::string("111222333"), std::string("111-222-333"),
                                     kFullWidthBsn, std::string("example.nl")}) {
      EXPECT_EQ(r.record().find(trace), std::string::npos) << r.code() << " keeps " << trace;
      EXPECT_EQ(r.reason().find(trace), std::string::npos) << r.reason();
    }
    v1::ClientEvent event;
    ASSERT_TRUE(event.ParseFromString(r.record())) << r.code();
  }
  EXPECT_EQ(kept[0].code(), "bsn_client_ref");
  EXPECT_EQ(kept[1].code(), "bsn_client_ref");
  EXPECT_EQ(kept[2].code(), "email_attribute");  // checked before the partner
  v1::ClientEvent third;
  ASSERT_TRUE(third.ParseFromString(kept[2].record()));
  EXPECT_EQ(third.attributes().at("note"), "bel <removed> of <removed>");
  EXPECT_EQ(third.event_id(), "e3");
}

TEST_F(PipelinePrivacy, UndecodableProtobufRecordIsKeptAsItsLengthOnly) {
  // Not a ClientEvent (field number 0), with a BSN in its bytes.
  SourceRecord r;
  r.raw = std::string("\x00\x09", 2) + "111222333";
  r.raw_is_protobuf = true;
  r.decode_error = {"decode_error", "not a valid ClientEvent protobuf"};
  r.position = "offset 0";
  apply({r});
  const auto kept = rejects();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].code(), "decode_error");
  EXPECT_TRUE(kept[0].record().empty());
  EXPECT_NE(kept[0].reason().find("11 bytes are not kept"), std::string::npos) << kept[0].reason();
}

// --- 5. the moment of ingest -------------------------------------------------------

TEST_F(PipelinePrivacy, EventsMoreThanADayAfterTheInjectedClockAreRejected) {
  now_ms_ = kOccurredSeconds * 1000 - 2 * kDayMs;
  const BatchCounts early = apply({pb_record(make_event("e1", "c-1"), "offset 0")});
  EXPECT_EQ(early.rejected_by_code.at("occurred_in_future"), 1u);
  now_ms_ = kOccurredSeconds * 1000 - 3'600'000;
  EXPECT_EQ(apply({pb_record(make_event("e1", "c-1"), "offset 0")}).accepted, 1u);
}

TEST_F(PipelinePrivacy, RebuildKeepsAnEventAcceptedAtItsMomentOfIngest) {
  // Accepted when the clock said 2024-03-05; the clock then goes back (a
  // restored server): rebuild does not re-judge stored events against now.
  now_ms_ = kOccurredSeconds * 1000;
  ASSERT_EQ(apply({pb_record(make_event("e1", "c-1"), "offset 0")}).accepted, 1u);
  pipeline_.reset();
  auto chain = model::parse_chain_yaml(chain_yaml(), "test-keten.yaml");
  ASSERT_TRUE(chain.ok());
  std::vector<model::ChainModel> chains;
  chains.push_back(std::move(*chain));
  auto rebuilt = rebuild(*store_, std::move(chains), {});
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error();
  EXPECT_EQ(rebuilt->events, 1u);
  EXPECT_EQ(rebuilt->clients, 1u);
  auto path = store_->get(store::Cf::kPaths, store::path_key("test-keten", "c-1"));
  ASSERT_TRUE(path.ok() && path->has_value());
  v1::ClientRecord record;
  ASSERT_TRUE(record.ParseFromString(**path));
  EXPECT_EQ(record.events_size(), 1);
}

}  // namespace
}  // namespace ketenflow::ingest
