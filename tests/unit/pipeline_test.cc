// The ingest pipeline (ingest/pipeline.h) against a real store: dedupe,
// rejects with their reasons, the source position in the same batch, and the
// KPI report (query/kpi_query.h) under reordering, late events, corrections,
// withdrawals and a rebuild (ingest/rebuild.h). Expected KPI values are
// computed by hand in the comments.
#include "ingest/pipeline.h"
#include "test_support.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "ingest/rebuild.h"
#include "model/chain_file.h"
#include "model/time.h"
#include "query/format.h"
#include "query/kpi_query.h"
#include "query/rejects_query.h"
#include "query/report_params.h"
#include "store/chains.h"
#include "store/keys.h"
#include "store/store.h"

namespace ketenflow::ingest {
namespace {

constexpr int64_t kHourS = 3600;
constexpr int64_t kDayS = 24 * kHourS;

using testing::days_from_civil;

// A UTC instant in seconds.
constexpr int64_t utc(int64_t y, int64_t mo, int64_t d, int64_t h = 0, int64_t mi = 0) {
  return days_from_civil(y, mo, d) * kDayS + h * kHourS + mi * 60;
}

// Local days (Europe/Amsterdam) used in queries.
constexpr int32_t day_of(int64_t y, int64_t m, int64_t d) {
  return static_cast<int32_t>(days_from_civil(y, m, d));
}
static_assert(day_of(2024, 3, 5) == 19723 + 31 + 29 + 4);

v1::ClientEvent make_event(const std::string& id, const std::string& client,
                           const std::string& type, const std::string& partner, int64_t occurred_s,
                           std::optional<int64_t> recorded_s = std::nullopt) {
  v1::ClientEvent e;
  e.set_event_id(id);
  e.set_chain_id("test-keten");
  e.set_client_ref(client);
  e.set_type(type);
  e.set_partner_id(partner);
  e.mutable_occurred_at()->set_seconds(occurred_s);
  if (recorded_s) e.mutable_recorded_at()->set_seconds(*recorded_s);
  return e;
}

v1::ClientEvent make_correction(const std::string& id, const std::string& target,
                                const std::string& client, const std::string& type,
                                const std::string& partner, int64_t occurred_s,
                                int64_t recorded_s) {
  v1::ClientEvent e = make_event(id, client, type, partner, occurred_s, recorded_s);
  e.set_corrects_event_id(target);
  return e;
}

v1::ClientEvent make_withdrawal(const std::string& id, const std::string& target,
                                const std::string& client, const std::string& partner,
                                int64_t recorded_s) {
  v1::ClientEvent e;
  e.set_event_id(id);
  e.set_chain_id("test-keten");
  e.set_client_ref(client);
  e.set_partner_id(partner);
  e.set_corrects_event_id(target);
  e.set_retracted(true);
  e.mutable_recorded_at()->set_seconds(recorded_s);
  return e;
}

SourceRecord record_of(const v1::ClientEvent& e, const std::string& position) {
  SourceRecord r;
  r.event = e;
  (void)google::protobuf::util::MessageToJsonString(e, &r.raw);
  r.position = position;
  return r;
}

std::vector<SourceRecord> records_of(const std::vector<v1::ClientEvent>& events) {
  std::vector<SourceRecord> out;
  for (size_t i = 0; i < events.size(); ++i) {
    out.push_back(record_of(events[i], "line " + std::to_string(i + 1)));
  }
  return out;
}

model::ChainModel test_chain() {
  auto chain = model::parse_chain_yaml(testing::kTestChainYaml, "test-keten.yaml");
  EXPECT_TRUE(chain.ok()) << chain.error();
  return chain.ok() ? std::move(*chain) : model::ChainModel{};
}

// A store in a fresh temp dir with a pipeline for the test chain.
class Engine {
 public:
  Engine() {
    std::string tmpl = ::testing::TempDir() + "ketenflow-pipeline-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << tmpl;
      return;
    }
    dir_ = tmpl;
    auto store = store::Store::open(dir_ + "/db", store::StoreOptions{});
    if (!store.ok()) {
      ADD_FAILURE() << store.error();
      return;
    }
    store_ = std::move(*store);
    open_pipeline();
  }
  ~Engine() {
    pipeline_.reset();
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  void open_pipeline() {
    pipeline_.reset();
    ChainSetup setup;
    setup.chains.push_back(test_chain());
    auto pipeline = Pipeline::open(*store_, std::move(setup));
    if (!pipeline.ok()) {
      ADD_FAILURE() << pipeline.error();
      return;
    }
    pipeline_ = std::move(*pipeline);
  }

  bool ready() const { return pipeline_ != nullptr; }

  BatchCounts apply(std::vector<SourceRecord> records, const std::string& source = "test.ndjson",
                    const std::vector<MetaEntry>& positions = {}) {
    auto counts = pipeline_->apply(records, source, positions);
    EXPECT_TRUE(counts.ok()) << counts.error();
    return counts.ok() ? *counts : BatchCounts{};
  }
  BatchCounts apply_events(const std::vector<v1::ClientEvent>& events) {
    return apply(records_of(events));
  }

  v1::KpiReport report(const query::KpiQuery& q = {}) const {
    auto r = query::kpi_report(*store_, pipeline_->chains().front(), q);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : v1::KpiReport{};
  }
  std::string json(const query::KpiQuery& q = {}) const { return query::to_json(report(q), false); }

  store::Store& store() { return *store_; }
  Pipeline& pipeline() { return *pipeline_; }

 private:
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
};

const v1::StageKpi* stage(const v1::KpiReport& r, const std::string& id) {
  for (const auto& s : r.stages()) {
    if (s.stage() == id) return &s;
  }
  return nullptr;
}

const v1::TransitionKpi* transition(const v1::KpiReport& r, const std::string& from,
                                    const std::string& to) {
  for (const auto& t : r.transitions()) {
    if (t.from() == from && t.to() == to) return &t;
  }
  return nullptr;
}

const v1::PartnerHandoverKpi* handover(const v1::KpiReport& r, const std::string& from,
                                       const std::string& to) {
  for (const auto& h : r.partner_handovers()) {
    if (h.from_partner() == from && h.to_partner() == to) return &h;
  }
  return nullptr;
}

uint32_t transition_count(const v1::KpiReport& r, const std::string& from, const std::string& to) {
  const auto* t = transition(r, from, to);
  return t ? t->count() : 0;
}

uint32_t handover_count(const v1::KpiReport& r, const std::string& from, const std::string& to) {
  const auto* h = handover(r, from, to);
  return h ? h->count() : 0;
}

// Keys of the open-visit index.
std::vector<std::string> wip_keys(const store::Store& store) {
  std::vector<std::string> keys;
  auto it = store.iterate(store::Cf::kWip);
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  return keys;
}

const v1::Reject* reject_with(const std::vector<v1::Reject>& rejects, const std::string& code) {
  for (const auto& r : rejects) {
    if (r.code() == code) return &r;
  }
  return nullptr;
}

// --- records, duplicates and rejects -----------------------------------------

TEST(Pipeline, AcceptsDuplicatesAndRejectsWithReasons) {
  Engine engine;
  ASSERT_TRUE(engine.ready());

  const auto e1 = make_event("e1", "k-1", "aangemeld", "gemeente", utc(2024, 3, 4, 9));
  const auto e2 = make_event("e2", "k-1", "intake", "opvang", utc(2024, 3, 5, 9));
  auto conflicting = e1;
  conflicting.mutable_occurred_at()->set_seconds(utc(2024, 3, 4, 10));
  const auto bsn = make_event("e3", "111222333", "aangemeld", "gemeente", utc(2024, 3, 4, 9));

  std::vector<SourceRecord> records;
  records.push_back(record_of(e1, "line 1"));
  records.push_back(record_of(e2, "line 2"));
  records.push_back(record_of(e1, "line 3"));           // exact duplicate
  records.push_back(record_of(conflicting, "line 4"));  // same id, other payload
  SourceRecord undecodable;
  undecodable.decode_error = {"decode_error", "line is not valid JSON: unexpected '{'"};
  undecodable.raw = "{{not json";
  undecodable.position = "line 5";
  records.push_back(undecodable);
  SourceRecord too_large;
  too_large.raw = std::string(64 * 1024 + 1, 'x');
  too_large.position = "line 6";
  records.push_back(too_large);
  records.push_back(record_of(bsn, "line 7"));

  const BatchCounts counts = engine.apply(std::move(records), "batch-1.ndjson");
  EXPECT_EQ(counts.accepted, 2u);
  EXPECT_EQ(counts.duplicates, 1u);
  EXPECT_EQ(counts.rejected, 4u);
  EXPECT_EQ(
      counts.rejected_by_code,
      (std::map<std::string, uint64_t>{
          {"bsn_client_ref", 1}, {"decode_error", 1}, {"event_id_conflict", 1}, {"too_large", 1}}));
  EXPECT_EQ(engine.pipeline().totals().accepted(), 2u);
  EXPECT_EQ(engine.pipeline().totals().duplicates(), 1u);
  EXPECT_EQ(engine.pipeline().totals().rejected(), 4u);

  auto listed = query::list_rejects(engine.store(), {});
  ASSERT_TRUE(listed.ok()) << listed.error();
  const std::vector<v1::Reject>& rejects = listed->rejects;
  ASSERT_EQ(rejects.size(), 4u);
  EXPECT_EQ(listed->total, 4u);
  for (size_t i = 0; i < rejects.size(); ++i) {
    EXPECT_EQ(rejects[i].seq(), i) << "rejects are numbered in order";
    EXPECT_EQ(rejects[i].source(), "batch-1.ndjson");
    EXPECT_FALSE(rejects[i].reason().empty());
    EXPECT_TRUE(rejects[i].has_rejected_at());
  }

  const v1::Reject* r = reject_with(rejects, "event_id_conflict");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->position(), "line 4");
  EXPECT_NE(r->reason().find("e1"), std::string::npos) << r->reason();
  // Kept as it came, but with the client_ref redacted: listings never show it in full.
  std::string shown = records_of({conflicting})[0].raw;
  shown.replace(shown.find("\"k-1\""), 5, "\"k\u2026\"");
  EXPECT_EQ(r->record(), shown);
  EXPECT_EQ(r->record().find("k-1"), std::string::npos);

  r = reject_with(rejects, "decode_error");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->position(), "line 5");
  EXPECT_EQ(r->reason(), "line is not valid JSON: unexpected '{'");
  EXPECT_EQ(r->record(), "{{not json");

  r = reject_with(rejects, "too_large");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->position(), "line 6");
  EXPECT_NE(r->reason().find("65537"), std::string::npos) << r->reason();
  EXPECT_EQ(r->record(), std::string(64 * 1024, 'x'));  // first 64 KiB kept

  r = reject_with(rejects, "bsn_client_ref");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->position(), "line 7");
  EXPECT_NE(r->reason().find("client_ref"), std::string::npos) << r->reason();
  EXPECT_EQ(r->record().find("111222333"), std::string::npos) << r->record();
  EXPECT_NE(r->record().find("e3"), std::string::npos) << "the rest of the record is kept";

  // Filter by code.
  auto only = query::list_rejects(engine.store(), {"too_large"});
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->rejects.size(), 1u);
  EXPECT_EQ(only->total, 1u);
  EXPECT_EQ(only->rejects[0].position(), "line 6");

  // Pages: offset and limit over the matching records, total over all of them.
  auto page = query::list_rejects(engine.store(), {"", 1, 2});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->rejects.size(), 2u);
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(page->rejects[0].seq(), 1u);
  EXPECT_EQ(page->rejects[1].seq(), 2u);
  auto past = query::list_rejects(engine.store(), {"", 9, 2});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->rejects.empty());
  EXPECT_EQ(past->total, 4u);
  auto filtered = query::list_rejects(engine.store(), {"too_large", 1, 0});
  ASSERT_TRUE(filtered.ok());
  EXPECT_TRUE(filtered->rejects.empty());
  EXPECT_EQ(filtered->total, 1u);

  // The same records again: all accepted ones are now duplicates.
  const BatchCounts again = engine.apply_events({e1, e2});
  EXPECT_EQ(again.accepted, 0u);
  EXPECT_EQ(again.duplicates, 2u);
  EXPECT_EQ(again.rejected, 0u);

  // The counters survive reopening the pipeline.
  engine.open_pipeline();
  ASSERT_TRUE(engine.ready());
  EXPECT_EQ(engine.pipeline().totals().accepted(), 2u);
  EXPECT_EQ(engine.pipeline().totals().duplicates(), 3u);
  EXPECT_EQ(engine.pipeline().totals().rejected(), 4u);
}

TEST(Pipeline, EmailRejectKeepsRecordWithoutTheAddress) {
  Engine engine;
  ASSERT_TRUE(engine.ready());
  const auto e = make_event("e9", "jan@example.nl", "aangemeld", "gemeente", utc(2024, 3, 4, 9));
  const BatchCounts counts = engine.apply_events({e});
  EXPECT_EQ(counts.rejected, 1u);
  auto rejects = query::list_rejects(engine.store(), {});
  ASSERT_TRUE(rejects.ok());
  ASSERT_EQ(rejects->rejects.size(), 1u);
  EXPECT_EQ(rejects->rejects[0].code(), "email_client_ref");
  EXPECT_EQ(rejects->rejects[0].record().find("jan@example.nl"), std::string::npos);
}

TEST(Pipeline, BsnIsNotKeptWhenTheRecordIsRejectedForAnotherReason) {
  // DESIGN §3.4: no raw identifiers. A record whose client_ref is a BSN but
  // that fails an earlier check (here: no partner_id) is rejected as
  // missing_field; its kept record must not hold the BSN either.
  Engine engine;
  ASSERT_TRUE(engine.ready());
  auto e = make_event("e4", "111222333", "aangemeld", "gemeente", utc(2024, 3, 4, 9));
  e.clear_partner_id();
  const BatchCounts counts = engine.apply_events({e});
  EXPECT_EQ(counts.rejected, 1u);
  auto rejects = query::list_rejects(engine.store(), {});
  ASSERT_TRUE(rejects.ok());
  ASSERT_EQ(rejects->rejects.size(), 1u);
  EXPECT_EQ(rejects->rejects[0].code(), "missing_field");
  EXPECT_EQ(rejects->rejects[0].record().find("111222333"), std::string::npos)
      << rejects->rejects[0].record();
}

TEST(Pipeline, CorrectionUnderAnotherClientStandsOnItsOwnInEitherOrder) {
  // Order-free: whether the target or the misfiled correction comes first,
  // both are accepted, the target stays on k-1's path and the correction
  // opens k-2's.
  const auto target = make_event("e1", "k-1", "intake", "opvang", utc(2024, 3, 5, 9));
  const auto correction = make_correction("c1", "e1", "k-2", "intake", "opvang",
                                          utc(2024, 3, 5, 10), utc(2024, 3, 5, 11));
  std::string reports[2];
  for (int order = 0; order < 2; ++order) {
    Engine engine;
    ASSERT_TRUE(engine.ready());
    const BatchCounts first = engine.apply_events({order == 0 ? target : correction});
    const BatchCounts second = engine.apply_events({order == 0 ? correction : target});
    EXPECT_EQ(first.accepted + second.accepted, 2u);
    EXPECT_EQ(first.rejected + second.rejected, 0u);
    const v1::KpiReport r = engine.report();
    EXPECT_EQ(stage(r, "opvang")->entries(), 2u);
    EXPECT_EQ(r.case_duration().count(), 2u);
    reports[order] = r.SerializeAsString();
  }
  EXPECT_EQ(reports[0], reports[1]);
}

v1::ClientEvent log_event(const std::string& id, const std::string& client,
                          const std::string& activity, int64_t occurred_s) {
  v1::ClientEvent e = make_event(id, client, activity, "loket", occurred_s);
  e.set_chain_id("log");
  return e;
}

// A store in `dir` with a pipeline that infers chain "log"; the pipeline is
// null (and the test failed) when either could not be opened.
struct InferredEngine {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Pipeline> pipeline;
};

InferredEngine open_inferred(const std::string& dir) {
  InferredEngine engine;
  auto opened = store::Store::open(dir + "/db", store::StoreOptions{});
  if (!opened.ok()) {
    ADD_FAILURE() << opened.error();
    return engine;
  }
  engine.store = std::move(*opened);
  ChainSetup setup;
  setup.infer_chain = "log";
  auto pipeline = Pipeline::open(*engine.store, std::move(setup));
  if (!pipeline.ok()) {
    ADD_FAILURE() << pipeline.error();
    return engine;
  }
  engine.pipeline = std::move(*pipeline);
  return engine;
}

TEST(PipelineInferred, RejectedRecordDoesNotGrowTheChain) {
  // Invariant 3: a rejected record changes nothing but the rejects. With an
  // inferred chain, an activity seen only in a rejected record must not become
  // a stage of the chain.
  testing::TempDir dir;
  InferredEngine engine = open_inferred(dir.path());
  ASSERT_TRUE(engine.pipeline);
  auto& pipeline = engine.pipeline;

  auto records = records_of({log_event("x1", "k-1", "registratie", utc(2024, 3, 4, 9)),
                             log_event("x2", "111222333", "fraude_check", utc(2024, 3, 4, 9))});
  auto counts = pipeline->apply(records, "log.csv", {});
  ASSERT_TRUE(counts.ok()) << counts.error();
  EXPECT_EQ(counts->accepted, 1u);
  EXPECT_EQ(counts->rejected_by_code, (std::map<std::string, uint64_t>{{"bsn_client_ref", 1}}));
  ASSERT_EQ(pipeline->chains().size(), 1u);
  const model::ChainModel& chain = pipeline->chains().front();
  EXPECT_EQ(chain.stage("registratie"), 0);
  EXPECT_EQ(chain.stage("fraude_check"), -1) << "a stage made from a rejected record";
  EXPECT_EQ(chain.stage_count(), 1);
}

TEST(PipelineInferred, StoredChainLoadsAgain) {
  // After ingesting a log with an inferred chain, the chain recorded in the
  // store must load again: for the next ingest (Pipeline::open), for queries
  // (store::load_chain, as `ketenflow kpi` / `path` do) and for rebuild.
  testing::TempDir dir;
  InferredEngine engine = open_inferred(dir.path());
  ASSERT_TRUE(engine.pipeline);
  auto& store = engine.store;
  {
    auto& pipeline = engine.pipeline;
    auto records = records_of({log_event("x1", "k-1", "registratie", utc(2024, 3, 4, 9)),
                               log_event("x2", "k-1", "beoordeling", utc(2024, 3, 6, 9))});
    auto counts = pipeline->apply(records, "log.csv", {});
    ASSERT_TRUE(counts.ok()) << counts.error();
    EXPECT_EQ(counts->accepted, 2u);
    engine.pipeline.reset();
  }

  auto loaded = store::load_chain(*store, "log");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->stage_count(), 2);
  auto report = query::kpi_report(*store, *loaded, {});
  ASSERT_TRUE(report.ok()) << report.error();
  const v1::TransitionKpi* t = transition(*report, "registratie", "beoordeling");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->count(), 1u);
  EXPECT_DOUBLE_EQ(t->delay().mean_seconds(), 2.0 * kDayS);

  ChainSetup again;
  again.infer_chain = "log";
  auto reopened = Pipeline::open(*store, std::move(again));
  ASSERT_TRUE(reopened.ok()) << reopened.error();

  auto rebuilt = rebuild(*store, {}, nullptr);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error();
  EXPECT_EQ(rebuilt->events, 2u);
}

TEST(Pipeline, StoresTheSourcePositionWithTheBatch) {
  Engine engine;
  ASSERT_TRUE(engine.ready());
  v1::SourcePosition position;
  position.set_source("batch-1.ndjson");
  position.set_offset(4096);
  position.set_records(2);
  const std::string key = store::source_meta_key("batch-1.ndjson");

  engine.apply(records_of({make_event("e1", "k-1", "aangemeld", "gemeente", utc(2024, 3, 4, 9)),
                           make_event("e2", "k-1", "intake", "opvang", utc(2024, 3, 5, 9))}),
               "batch-1.ndjson", {{key, position.SerializeAsString()}});
  auto stored = engine.store().get(store::Cf::kMeta, key);
  ASSERT_TRUE(stored.ok()) << stored.error();
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(**stored, position.SerializeAsString());

  // A batch with nothing accepted still moves the position.
  position.set_offset(8192);
  position.set_records(3);
  SourceRecord bad;
  bad.decode_error = {"decode_error", "not JSON"};
  bad.raw = "x";
  bad.position = "line 3";
  engine.apply({bad}, "batch-1.ndjson", {{key, position.SerializeAsString()}});
  stored = engine.store().get(store::Cf::kMeta, key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  v1::SourcePosition back;
  ASSERT_TRUE(back.ParseFromString(**stored));
  EXPECT_EQ(back.offset(), 8192u);
  EXPECT_EQ(back.records(), 3u);
}

// --- KPIs ----------------------------------------------------------------------

// Three clients (times UTC; Amsterdam is UTC+1 in March):
//  k-1: aanmelding 4 Mar 09:00 -> opvang 5 Mar 09:00 (+ geplaatst 6 Mar 12:00)
//       -> woning 20 Mar 23:30 (local 21 Mar) -> wonen 25 Mar 08:00 (terminal)
//  k-2: aanmelding 4 Mar 10:00 (by opvang) -> opvang 6 Mar 10:00 -> woning 21 Mar 10:00
//  k-3: aanmelding 5 Mar 08:00 -> opvang 5 Mar 20:00
std::vector<v1::ClientEvent> three_clients() {
  return {
      make_event("k1-a", "k-1", "aangemeld", "gemeente", utc(2024, 3, 4, 9), utc(2024, 3, 4, 9)),
      make_event("k1-i", "k-1", "intake", "opvang", utc(2024, 3, 5, 9), utc(2024, 3, 5, 9)),
      make_event("k1-g", "k-1", "geplaatst", "opvang", utc(2024, 3, 6, 12), utc(2024, 3, 6, 12)),
      make_event("k1-w", "k-1", "woning_toegewezen", "corporatie", utc(2024, 3, 20, 23, 30),
                 utc(2024, 3, 20, 23, 30)),
      make_event("k1-h", "k-1", "gehuisvest", "begeleiding", utc(2024, 3, 25, 8),
                 utc(2024, 3, 25, 8)),
      make_event("k2-a", "k-2", "aangemeld", "opvang", utc(2024, 3, 4, 10)),
      make_event("k2-i", "k-2", "intake", "opvang", utc(2024, 3, 6, 10)),
      make_event("k2-w", "k-2", "woning_toegewezen", "corporatie", utc(2024, 3, 21, 10)),
      make_event("k3-a", "k-3", "aangemeld", "gemeente", utc(2024, 3, 5, 8)),
      make_event("k3-i", "k-3", "intake", "opvang", utc(2024, 3, 5, 20)),
  };
}

void expect_three_clients_report(const v1::KpiReport& r) {
  ASSERT_EQ(r.stages_size(), 4);
  EXPECT_EQ(r.stages(0).stage(), "aanmelding");
  EXPECT_EQ(r.stages(3).stage(), "wonen");
  const v1::StageKpi* s = stage(r, "aanmelding");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->entries(), 3u);
  EXPECT_EQ(s->exits(), 3u);
  EXPECT_EQ(s->wip(), 0u);
  // 24 h + 48 h + 12 h = 84 h over 3 visits.
  EXPECT_EQ(s->duration().count(), 3u);
  EXPECT_DOUBLE_EQ(s->duration().mean_seconds(), 28.0 * kHourS);
  s = stage(r, "opvang");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->entries(), 3u);
  EXPECT_EQ(s->exits(), 2u);
  EXPECT_EQ(s->wip(), 1u);  // k-3
  // k-1: 15 d 14.5 h, k-2: 15 d.
  EXPECT_EQ(s->duration().count(), 2u);
  EXPECT_DOUBLE_EQ(s->duration().mean_seconds(), (2.0 * 15 * kDayS + 14.5 * kHourS) / 2);
  s = stage(r, "woning");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->entries(), 2u);
  EXPECT_EQ(s->exits(), 1u);
  EXPECT_EQ(s->wip(), 1u);  // k-2
  s = stage(r, "wonen");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->entries(), 1u);
  EXPECT_EQ(s->exits(), 1u);
  EXPECT_EQ(s->wip(), 0u);

  ASSERT_EQ(r.transitions_size(), 3);
  const v1::TransitionKpi* t = transition(r, "aanmelding", "opvang");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->count(), 3u);
  // 24 h (within 1 day), 48 h (over), 12 h (within).
  EXPECT_DOUBLE_EQ(t->delay().mean_seconds(), 28.0 * kHourS);
  EXPECT_NEAR(t->delay().min_seconds(), 12.0 * kHourS, 0.01 * 12 * kHourS);
  EXPECT_NEAR(t->delay().p50_seconds(), 24.0 * kHourS, 0.01 * 24 * kHourS);
  EXPECT_NEAR(t->delay().max_seconds(), 48.0 * kHourS, 0.01 * 48 * kHourS);
  ASSERT_TRUE(t->has_norm());
  EXPECT_EQ(t->norm().days(), 1.0);
  EXPECT_EQ(t->norm().within(), 2u);
  EXPECT_DOUBLE_EQ(t->norm().share(), 2.0 / 3.0);
  t = transition(r, "opvang", "woning");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->count(), 2u);
  // k-1 from geplaatst 6 Mar 12:00: 14 d 11.5 h; k-2: 15 d. Both over 14 days.
  EXPECT_DOUBLE_EQ(t->delay().mean_seconds(), (29.0 * kDayS + 11.5 * kHourS) / 2);
  EXPECT_EQ(t->norm().within(), 0u);
  EXPECT_EQ(t->norm().share(), 0.0);
  t = transition(r, "woning", "wonen");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->count(), 1u);
  EXPECT_DOUBLE_EQ(t->delay().p90_seconds(), 4.0 * kDayS + 8.5 * kHourS);
  EXPECT_FALSE(t->has_norm());

  // k-2's aanmelding -> opvang stays within the shelter: no handover.
  ASSERT_EQ(r.partner_handovers_size(), 3);
  EXPECT_EQ(handover_count(r, "gemeente", "opvang"), 2u);
  EXPECT_DOUBLE_EQ(handover(r, "gemeente", "opvang")->delay().mean_seconds(), 18.0 * kHourS);
  EXPECT_EQ(handover_count(r, "opvang", "corporatie"), 2u);
  EXPECT_EQ(handover_count(r, "corporatie", "begeleiding"), 1u);
  EXPECT_EQ(handover_count(r, "opvang", "opvang"), 0u);

  // Case duration: 20 d 23 h, 17 d, 12 h.
  EXPECT_EQ(r.case_duration().count(), 3u);
  EXPECT_DOUBLE_EQ(r.case_duration().mean_seconds(),
                   (37.0 * kDayS + 35.0 * kHourS) / 3);  // (20d23h + 17d + 12h) / 3
  EXPECT_EQ(r.lead_time().count(), 1u);
  EXPECT_DOUBLE_EQ(r.lead_time().p50_seconds(), 20.0 * kDayS + 23 * kHourS);
}

TEST(PipelineKpi, OrderBatchingAndDuplicatesDoNotChangeTheReport) {
  const auto events = three_clients();

  Engine a;  // two batches in order
  ASSERT_TRUE(a.ready());
  const std::vector<v1::ClientEvent> first(events.begin(), events.begin() + 6);
  const std::vector<v1::ClientEvent> second(events.begin() + 6, events.end());
  EXPECT_EQ(a.apply_events(first).accepted, 6u);
  EXPECT_EQ(a.apply_events(second).accepted, 4u);

  Engine b;  // one batch, reversed, every event twice
  ASSERT_TRUE(b.ready());
  std::vector<v1::ClientEvent> reversed(events.rbegin(), events.rend());
  std::vector<v1::ClientEvent> twice = reversed;
  twice.insert(twice.end(), reversed.begin(), reversed.end());
  const BatchCounts counts = b.apply_events(twice);
  EXPECT_EQ(counts.accepted, 10u);
  EXPECT_EQ(counts.duplicates, 10u);

  const v1::KpiReport ra = a.report();
  const v1::KpiReport rb = b.report();
  expect_three_clients_report(ra);
  EXPECT_EQ(ra.SerializeAsString(), rb.SerializeAsString());
  EXPECT_EQ(a.json(), b.json());

  query::KpiQuery by_day;
  by_day.by = kpi::Period::kDay;
  by_day.from = day_of(2024, 3, 1);
  by_day.to = day_of(2024, 4, 1);
  EXPECT_EQ(a.json(by_day), b.json(by_day));
  const v1::KpiReport daily = a.report(by_day);
  // Periods start at the chain's first day with data (4 March), not at `from`.
  ASSERT_EQ(daily.periods_size(), 28);
  EXPECT_EQ(daily.periods(0).from(), "2024-03-04");
  // 21 March (local): k-1 enters woning at 00:30, k-2 at 11:00.
  const v1::KpiReport& d21 = daily.periods(17);
  EXPECT_EQ(d21.period(), "2024-03-21");
  EXPECT_EQ(stage(d21, "woning")->entries(), 2u);
  EXPECT_EQ(stage(daily.periods(16), "woning")->entries(), 0u);  // not on the UTC day
  EXPECT_EQ(transition_count(d21, "opvang", "woning"), 2u);

  // A rebuild from the stored events gives the same report, byte for byte.
  const std::string before = a.json(by_day);
  auto rebuilt = rebuild(a.store(), {}, nullptr);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error();
  EXPECT_EQ(rebuilt->events, 10u);
  EXPECT_EQ(rebuilt->clients, 3u);
  EXPECT_EQ(rebuilt->orphaned, 0u);
  EXPECT_EQ(a.json(by_day), before);
  EXPECT_EQ(a.json(), b.json());
  // Open visits: k-2 in woning, k-3 in opvang.
  const std::vector<std::string> open = {
      store::wip_key("test-keten", "opvang", utc(2024, 3, 5, 20) * 1000, "k-3"),
      store::wip_key("test-keten", "woning", utc(2024, 3, 21, 10) * 1000, "k-2")};
  EXPECT_EQ(wip_keys(a.store()), open);
  EXPECT_EQ(wip_keys(b.store()), open);
}

// One stored day far from the rest (9999-12-31, written straight into the kpi
// family as no ingest would accept it) made a report by day of the whole
// range millions of periods: it is refused, naming by, and a bounded range is
// clamped to the chain's data days.
TEST(PipelineKpi, PeriodsAreBoundedAndClampedToTheDataDays) {
  Engine e;
  ASSERT_TRUE(e.ready());
  e.apply_events(three_clients());
  store::Aggregate one;
  one.count = 1;
  std::string value;
  store::encode(one, &value);
  rocksdb::WriteBatch batch;
  batch.Merge(e.store().cf(store::Cf::kKpi),
              store::kpi_key("test-keten", day_of(9999, 12, 31),
                             static_cast<uint8_t>(kpi::Measure::kStageEntries), "woning"),
              value);
  ASSERT_TRUE(e.store().write(batch).ok());
  const query::AggregateSource source = query::store_aggregates(e.store(), "test-keten");
  auto days = source.days();
  ASSERT_TRUE(days);
  EXPECT_EQ(days->first, day_of(2024, 3, 4));
  EXPECT_EQ(days->last, day_of(9999, 12, 31));
  EXPECT_FALSE(query::store_aggregates(e.store(), "test").days());

  query::KpiQuery q;
  q.by = kpi::Period::kDay;
  auto refused = query::kpi_report(e.store(), e.pipeline().chains().front(), q);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("--by: more than 5000 periods"), std::string::npos)
      << refused.error();
  q.from = day_of(1, 1, 1);
  q.to = day_of(9999, 12, 31);
  auto bad = query::check_report_size(source, q);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->parameter, "by");
  q.by = kpi::Period::kYear;  // 2024 to 9999: 7976 years
  EXPECT_TRUE(query::check_report_size(source, q));

  q.by = kpi::Period::kMonth;
  q.from = day_of(1, 1, 1);
  q.to = day_of(2024, 5, 1);
  EXPECT_FALSE(query::check_report_size(source, q));
  const v1::KpiReport months = e.report(q);
  ASSERT_EQ(months.periods_size(), 2);
  EXPECT_EQ(months.periods(0).from(), "2024-03-04");
  EXPECT_EQ(months.periods(1).to(), "2024-05-01");
}

TEST(PipelineKpi, LateEventInsertsAVisitInTheMiddle) {
  Engine engine;
  ASSERT_TRUE(engine.ready());
  const auto a = make_event("a", "k-9", "aangemeld", "gemeente", utc(2024, 3, 4, 9));
  const auto w = make_event("w", "k-9", "woning_toegewezen", "corporatie", utc(2024, 3, 10, 9));
  const auto late = make_event("i", "k-9", "intake", "opvang", utc(2024, 3, 5, 9));
  engine.apply_events({a, w});

  v1::KpiReport r = engine.report();
  // aanmelding -> woning directly, 6 days; the normed transitions show 0.
  EXPECT_EQ(transition_count(r, "aanmelding", "woning"), 1u);
  EXPECT_DOUBLE_EQ(transition(r, "aanmelding", "woning")->delay().mean_seconds(), 6.0 * kDayS);
  EXPECT_EQ(transition_count(r, "aanmelding", "opvang"), 0u);
  EXPECT_EQ(transition_count(r, "opvang", "woning"), 0u);
  EXPECT_EQ(handover_count(r, "gemeente", "corporatie"), 1u);
  EXPECT_EQ(stage(r, "opvang")->entries(), 0u);
  EXPECT_EQ(stage(r, "woning")->wip(), 1u);
  const std::vector<std::string> open_woning = {
      store::wip_key("test-keten", "woning", utc(2024, 3, 10, 9) * 1000, "k-9")};
  EXPECT_EQ(wip_keys(engine.store()), open_woning);

  engine.apply_events({late});
  r = engine.report();
  EXPECT_EQ(transition_count(r, "aanmelding", "woning"), 0u);
  EXPECT_EQ(transition_count(r, "aanmelding", "opvang"), 1u);
  EXPECT_EQ(transition_count(r, "opvang", "woning"), 1u);
  EXPECT_DOUBLE_EQ(transition(r, "aanmelding", "opvang")->delay().mean_seconds(), 1.0 * kDayS);
  EXPECT_EQ(transition(r, "aanmelding", "opvang")->norm().within(), 1u);
  EXPECT_DOUBLE_EQ(transition(r, "opvang", "woning")->delay().mean_seconds(), 5.0 * kDayS);
  EXPECT_EQ(transition(r, "opvang", "woning")->norm().within(), 1u);
  EXPECT_EQ(handover_count(r, "gemeente", "corporatie"), 0u);
  EXPECT_EQ(handover_count(r, "gemeente", "opvang"), 1u);
  EXPECT_EQ(handover_count(r, "opvang", "corporatie"), 1u);
  EXPECT_EQ(stage(r, "aanmelding")->duration().count(), 1u);
  EXPECT_DOUBLE_EQ(stage(r, "aanmelding")->duration().mean_seconds(), 1.0 * kDayS);
  EXPECT_EQ(stage(r, "opvang")->entries(), 1u);
  EXPECT_EQ(stage(r, "opvang")->exits(), 1u);
  EXPECT_EQ(stage(r, "opvang")->wip(), 0u);
  EXPECT_EQ(stage(r, "woning")->wip(), 1u);
  EXPECT_EQ(r.case_duration().count(), 1u);
  EXPECT_DOUBLE_EQ(r.case_duration().mean_seconds(), 6.0 * kDayS);
  EXPECT_EQ(wip_keys(engine.store()), open_woning);

  // Same as when the late event had been there from the start.
  Engine fresh;
  ASSERT_TRUE(fresh.ready());
  fresh.apply_events({late, w, a});
  EXPECT_EQ(engine.json(), fresh.json());
}

TEST(PipelineKpi, CorrectionMovesAndWithdrawalRemovesTheContribution) {
  Engine engine;
  ASSERT_TRUE(engine.ready());
  engine.apply_events(
      {make_event("a", "k-5", "aangemeld", "gemeente", utc(2024, 3, 4, 9), utc(2024, 3, 4, 9)),
       make_event("i", "k-5", "intake", "opvang", utc(2024, 3, 5, 9), utc(2024, 3, 5, 9))});

  query::KpiQuery on5;
  on5.from = day_of(2024, 3, 5);
  on5.to = day_of(2024, 3, 6);
  query::KpiQuery on6;
  on6.from = day_of(2024, 3, 6);
  on6.to = day_of(2024, 3, 7);

  v1::KpiReport r = engine.report(on5);
  EXPECT_EQ(transition_count(r, "aanmelding", "opvang"), 1u);
  EXPECT_EQ(transition(r, "aanmelding", "opvang")->norm().within(), 1u);
  EXPECT_EQ(stage(r, "opvang")->entries(), 1u);
  EXPECT_EQ(stage(r, "aanmelding")->exits(), 1u);
  EXPECT_EQ(transition_count(engine.report(on6), "aanmelding", "opvang"), 0u);
  EXPECT_EQ(wip_keys(engine.store()),
            (std::vector<std::string>{
                store::wip_key("test-keten", "opvang", utc(2024, 3, 5, 9) * 1000, "k-5")}));

  // The intake really happened a day later.
  engine.apply_events({make_correction("i2", "i", "k-5", "intake", "opvang", utc(2024, 3, 6, 9),
                                       utc(2024, 3, 6, 10))});
  r = engine.report(on5);
  EXPECT_EQ(transition_count(r, "aanmelding", "opvang"), 0u);
  EXPECT_EQ(stage(r, "opvang")->entries(), 0u);
  EXPECT_EQ(stage(r, "aanmelding")->exits(), 0u);
  r = engine.report(on6);
  EXPECT_EQ(transition_count(r, "aanmelding", "opvang"), 1u);
  EXPECT_DOUBLE_EQ(transition(r, "aanmelding", "opvang")->delay().mean_seconds(), 2.0 * kDayS);
  EXPECT_EQ(transition(r, "aanmelding", "opvang")->norm().within(), 0u);
  EXPECT_EQ(stage(r, "opvang")->entries(), 1u);
  EXPECT_EQ(stage(r, "aanmelding")->exits(), 1u);
  EXPECT_EQ(r.case_duration().count(), 1u);
  EXPECT_DOUBLE_EQ(r.case_duration().mean_seconds(), 2.0 * kDayS);

  // The intake is withdrawn altogether.
  engine.apply_events({make_withdrawal("i3", "i", "k-5", "opvang", utc(2024, 3, 7, 9))});
  r = engine.report();
  EXPECT_EQ(transition_count(r, "aanmelding", "opvang"), 0u);
  EXPECT_EQ(handover_count(r, "gemeente", "opvang"), 0u);
  EXPECT_EQ(stage(r, "opvang")->entries(), 0u);
  EXPECT_EQ(stage(r, "aanmelding")->entries(), 1u);
  EXPECT_EQ(stage(r, "aanmelding")->exits(), 0u);
  EXPECT_EQ(stage(r, "aanmelding")->wip(), 1u);
  EXPECT_EQ(stage(r, "aanmelding")->duration().count(), 0u);
  EXPECT_EQ(r.case_duration().count(), 1u);  // one event left: 0 s
  EXPECT_EQ(r.case_duration().mean_seconds(), 0.0);
  EXPECT_EQ(stage(engine.report(on6), "opvang")->entries(), 0u);
  // The open visit is aanmelding again.
  const std::vector<std::string> open_aanmelding = {
      store::wip_key("test-keten", "aanmelding", utc(2024, 3, 4, 9) * 1000, "k-5")};
  EXPECT_EQ(wip_keys(engine.store()), open_aanmelding);

  // Rebuild agrees, and so does a store that got everything at once.
  const std::string before = engine.json();
  auto rebuilt = rebuild(engine.store(), {}, nullptr);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error();
  EXPECT_EQ(rebuilt->events, 4u);
  EXPECT_EQ(rebuilt->clients, 1u);
  EXPECT_EQ(engine.json(), before);
  EXPECT_EQ(wip_keys(engine.store()), open_aanmelding);

  Engine fresh;
  ASSERT_TRUE(fresh.ready());
  fresh.apply_events(
      {make_withdrawal("i3", "i", "k-5", "opvang", utc(2024, 3, 7, 9)),
       make_correction("i2", "i", "k-5", "intake", "opvang", utc(2024, 3, 6, 9),
                       utc(2024, 3, 6, 10)),
       make_event("i", "k-5", "intake", "opvang", utc(2024, 3, 5, 9), utc(2024, 3, 5, 9)),
       make_event("a", "k-5", "aangemeld", "gemeente", utc(2024, 3, 4, 9), utc(2024, 3, 4, 9))});
  EXPECT_EQ(fresh.json(), before);
}

// As-of reports (query/as_of.h): the report at an instant between two
// batches counts the first batch only, byte for byte as it was reported then;
// at or after the last batch it is the live report.
TEST(PipelineKpi, AsOfCountsOnlyTheEventsStoredByThen) {
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const auto events = three_clients();
  Engine engine;
  ASSERT_TRUE(engine.ready());
  query::KpiQuery by_day;
  by_day.by = kpi::Period::kDay;
  by_day.from = day_of(2024, 3, 1);
  by_day.to = day_of(2024, 4, 1);
  const std::string empty_total = engine.json();

  engine.apply_events({events.begin(), events.begin() + 6});
  const std::string first_total = engine.json();
  const std::string first_by_day = engine.json(by_day);
  // Every event of the second batch is stored after `between`.
  const int64_t between = now_ms();
  while (now_ms() <= between) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  engine.apply_events({events.begin() + 6, events.end()});
  // k-1's intake really happened a day later.
  engine.apply_events(
      {make_correction("i-late", events[1].event_id(), events[1].client_ref(), events[1].type(),
                       events[1].partner_id(), events[1].occurred_at().seconds() + kDayS,
                       events[1].occurred_at().seconds() + kDayS)});
  ASSERT_NE(engine.json(), first_total);

  const auto as_of = [&](query::KpiQuery q, int64_t ms) {
    q.as_of_ms = ms;
    v1::KpiReport r = engine.report(q);
    EXPECT_EQ(r.as_of(), model::format_instant(ms));
    r.clear_as_of();
    return query::to_json(r, false);
  };
  // Then: k-1 and k-2 had signed up (k-3 came in the second batch).
  query::KpiQuery then;
  then.as_of_ms = between;
  EXPECT_EQ(stage(engine.report(then), "aanmelding")->entries(), 2u);
  EXPECT_EQ(stage(engine.report(), "aanmelding")->entries(), 3u);
  EXPECT_EQ(as_of({}, between), first_total);
  EXPECT_EQ(as_of(by_day, between), first_by_day);
  EXPECT_EQ(as_of({}, now_ms()), engine.json());
  EXPECT_EQ(as_of(by_day, now_ms()), engine.json(by_day));
  EXPECT_EQ(as_of({}, 0), empty_total);
}

}  // namespace
}  // namespace ketenflow::ingest
