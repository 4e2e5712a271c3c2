// XES reader: attribute mapping, lifecycle pairing, trace-boundary batches
// and positions, gzip, and broken or truncated logs.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <tuple>

#include "connectors/xes/xes_reader.h"
#include "connectors/xes/xes_writer.h"
#include "model/time.h"
#include "test_support.h"

namespace ketenflow {
namespace {

using ingest::SourceRecord;

const date::time_zone* amsterdam() { return *model::find_zone("Europe/Amsterdam"); }

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string write_gz(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  return path;
}

xes::XesOptions options(xes::Lifecycle lifecycle = xes::Lifecycle::kComplete) {
  xes::XesOptions o;
  o.chain_id = "test-keten";
  o.zone = amsterdam();
  o.lifecycle = lifecycle;
  return o;
}

// Every record of the log, or the error.
Result<std::vector<SourceRecord>> read_all(const std::string& path, const xes::XesOptions& o,
                                           uint64_t skipped_traces = 0,
                                           uint64_t* skipped_events = nullptr) {
  auto reader = xes::XesReader::open(path, o, skipped_traces);
  if (!reader) return Error{reader.error()};
  std::vector<SourceRecord> all;
  while (true) {
    auto more = (*reader)->next(all, 1000);
    if (!more) return Error{more.error()};
    if (!*more) break;
  }
  if (skipped_events != nullptr) *skipped_events = (*reader)->skipped_events();
  return all;
}

int64_t ms(const char* text) { return *model::parse_instant(text, nullptr); }

// Line numbers matter below: line 1 is the XML declaration.
constexpr const char* kLog = R"(<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="x"/></global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="the log"/>
  <trace>
    <string key="concept:name" value="c-1"/>
    <string key="channel" value="Internet"/>
    <int key="priority" value="2"><string key="meta" value="skipped"/></int>
    <list key="tags"><values><string key="t" value="a"/></values></list>
    <event>
      <string key="concept:name" value="aangemeld"/>
      <date key="time:timestamp" value="2024-03-01T09:00:00.250+01:00"/>
      <string key="org:group" value="gemeente"/>
      <string key="org:resource" value="Medewerker 7"/>
      <boolean key="urgent" value="true"/>
      <float key="score" value="0.5"/>
      <container key="box"><string key="inner" value="x"/></container>
    </event>
    <event>
      <string key="concept:name" value="intake"/>
      <date key="time:timestamp" value="2024-03-02T10:00:00"/>
      <string key="org:resource" value="opvang"/>
      <id key="identity:id" value="intake-1"/>
      <string key="lifecycle:transition" value="complete"/>
    </event>
    <event>
      <string key="concept:name" value="geplaatst"/>
      <date key="time:timestamp" value="2024-03-03T10:00:00Z"/>
      <string key="org:group" value="opvang"/>
      <string key="lifecycle:transition" value="start"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="c-2 &amp; co"/>
    <event>
      <string key="concept:name" value="aangemeld"/>
      <date key="time:timestamp" value="bad time"/>
      <string key="org:group" value="gemeente"/>
    </event>
  </trace>
</log>
)";

TEST(XesReader, MapsTraceAndEventAttributes) {
  testing::TempDir tmp;
  uint64_t skipped = 0;
  auto records = read_all(write(tmp.path(), "log.xes", kLog), options(), 0, &skipped);
  ASSERT_TRUE(records) << records.error();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ(skipped, 1u);  // the `start` of geplaatst

  const SourceRecord& a = (*records)[0];
  ASSERT_TRUE(a.event) << a.decode_error.reason;
  EXPECT_EQ(a.position, "line 12");
  EXPECT_EQ(a.event->chain_id(), "test-keten");
  EXPECT_EQ(a.event->client_ref(), "c-1");
  EXPECT_EQ(a.event->type(), "aangemeld");
  EXPECT_EQ(a.event->partner_id(), "gemeente");  // org:group before org:resource
  EXPECT_EQ(model::to_ms(a.event->occurred_at()), ms("2024-03-01T08:00:00.250Z"));
  EXPECT_FALSE(a.event->has_recorded_at());
  EXPECT_EQ(a.event->event_id(), xes::derived_event_id("c-1", 0));
  EXPECT_EQ(a.event->event_id().size(), 4u + 32u);
  const std::map<std::string, std::string> want_a = {
      {"case:channel", "Internet"}, {"case:priority", "2"}, {"urgent", "true"}, {"score", "0.5"}};
  const std::map<std::string, std::string> got_a(a.event->attributes().begin(),
                                                 a.event->attributes().end());
  EXPECT_EQ(got_a, want_a);

  const SourceRecord& b = (*records)[1];
  ASSERT_TRUE(b.event);
  EXPECT_EQ(b.event->partner_id(), "opvang");  // org:resource when no org:group
  EXPECT_EQ(b.event->event_id(), "intake-1");
  // No offset: local time in Europe/Amsterdam (CET, UTC+1).
  EXPECT_EQ(model::to_ms(b.event->occurred_at()), ms("2024-03-02T09:00:00Z"));
  EXPECT_EQ(b.event->attributes().at("lifecycle:transition"), "complete");

  // A bad time is a decode error of that event only, with its line.
  const SourceRecord& c = (*records)[2];
  EXPECT_FALSE(c.event);
  EXPECT_EQ(c.position, "line 37");
  EXPECT_EQ(c.decode_error.code, "malformed_field");
  EXPECT_NE(c.decode_error.reason.find("time:timestamp"), std::string::npos);
  EXPECT_NE(c.raw.find("value=\"bad time\""), std::string::npos) << c.raw;
  // Without an event the pipeline cannot shorten the client_ref: the reader did.
  EXPECT_NE(c.raw.find("value=\"c-…\"/><event>"), std::string::npos) << c.raw;
  EXPECT_EQ(c.raw.find("co\""), std::string::npos) << c.raw;
}

TEST(XesReader, DerivedEventIdsAreStableAndDistinct) {
  EXPECT_EQ(xes::derived_event_id("c-1", 0), xes::derived_event_id("c-1", 0));
  EXPECT_NE(xes::derived_event_id("c-1", 0), xes::derived_event_id("c-1", 1));
  EXPECT_NE(xes::derived_event_id("c-1", 10), xes::derived_event_id("c-11", 0));
}

std::string event(const char* activity, const char* lifecycle, const char* time,
                  const char* instance = nullptr) {
  std::string e = "<event><string key=\"concept:name\" value=\"" + std::string(activity) +
                  "\"/><string key=\"org:group\" value=\"opvang\"/>";
  e += "<string key=\"lifecycle:transition\" value=\"" + std::string(lifecycle) + "\"/>";
  e += "<date key=\"time:timestamp\" value=\"" + std::string(time) + "\"/>";
  if (instance) e += "<string key=\"concept:instance\" value=\"" + std::string(instance) + "\"/>";
  return e + "</event>\n";
}

TEST(XesReader, PairsStartAndCompletePerActivityInstance) {
  // Trace c-1 without instances (first in, first out per activity); trace
  // c-2 with concept:instance, completed in the other order.
  const std::string log = "<log>\n<trace><string key=\"concept:name\" value=\"c-1\"/>\n" +
                          event("intake", "start", "2024-01-01T08:00:00Z") +
                          event("geplaatst", "start", "2024-01-01T09:00:00Z") +
                          event("intake", "start", "2024-01-01T10:00:00Z") +
                          event("intake", "complete", "2024-01-01T11:00:00Z") +
                          event("geplaatst", "complete", "2024-01-01T12:00:00Z") +
                          event("intake", "complete", "2024-01-01T13:00:00Z") +
                          event("intake", "schedule", "2024-01-01T13:30:00Z") +
                          event("aangemeld", "complete", "2024-01-01T14:00:00Z") +
                          event("geplaatst", "start", "2024-01-01T15:00:00Z") +
                          "</trace>\n<trace><string key=\"concept:name\" value=\"c-2\"/>\n" +
                          event("intake", "start", "2024-02-01T08:00:00Z", "i1") +
                          event("intake", "start", "2024-02-01T09:00:00Z", "i2") +
                          event("intake", "complete", "2024-02-01T10:00:00Z", "i2") +
                          event("intake", "complete", "2024-02-01T11:00:00Z", "i1") +
                          "</trace>\n</log>\n";
  testing::TempDir tmp;
  const std::string path = write(tmp.path(), "pairs.xes", log);

  uint64_t skipped = 0;
  auto records = read_all(path, options(xes::Lifecycle::kPair), 0, &skipped);
  ASSERT_TRUE(records) << records.error();
  struct Want {
    const char* ref;
    const char* type;
    const char* at;
    const char* start;  // nullptr: no start paired
  };
  const Want want[] = {
      {"c-1", "intake", "2024-01-01T11:00:00Z", "2024-01-01T08:00:00Z"},
      {"c-1", "geplaatst", "2024-01-01T12:00:00Z", "2024-01-01T09:00:00Z"},
      {"c-1", "intake", "2024-01-01T13:00:00Z", "2024-01-01T10:00:00Z"},
      {"c-1", "aangemeld", "2024-01-01T14:00:00Z", nullptr},
      {"c-2", "intake", "2024-02-01T10:00:00Z", "2024-02-01T09:00:00Z"},
      {"c-2", "intake", "2024-02-01T11:00:00Z", "2024-02-01T08:00:00Z"},
  };
  ASSERT_EQ(records->size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    SCOPED_TRACE(i);
    const auto& e = *(*records)[i].event;
    EXPECT_EQ(e.client_ref(), want[i].ref);
    EXPECT_EQ(e.type(), want[i].type);
    EXPECT_EQ(model::format_instant(model::to_ms(e.occurred_at())), want[i].at);
    if (want[i].start) {
      EXPECT_EQ(e.attributes().at("start_timestamp"), want[i].start);
    } else {
      EXPECT_EQ(e.attributes().count("start_timestamp"), 0u);
    }
  }
  EXPECT_EQ(skipped, 2u);  // the schedule event and the unpaired last start

  // Default mode: only the six complete events; starts and schedule skipped.
  auto completes = read_all(path, options(), 0, &skipped);
  ASSERT_TRUE(completes) << completes.error();
  EXPECT_EQ(completes->size(), 6u);
  EXPECT_EQ(skipped, 7u);
  EXPECT_EQ((*completes)[0].event->attributes().count("start_timestamp"), 0u);
}

TEST(XesReader, BatchesEndAtTraceBoundariesAndResumeByTraceCount) {
  testing::TempDir tmp;
  const std::string path = write(tmp.path(), "log.xes", kLog);
  auto reader = xes::XesReader::open(path, options(), 0);
  ASSERT_TRUE(reader) << reader.error();
  std::vector<SourceRecord> batch;
  auto more = (*reader)->next(batch, 1);
  ASSERT_TRUE(more && *more);
  EXPECT_EQ(batch.size(), 2u);  // the whole first trace, never half of it
  EXPECT_EQ((*reader)->traces(), 1u);
  const std::string text = kLog;
  EXPECT_EQ((*reader)->offset(), text.find("</trace>") + 8);
  batch.clear();
  more = (*reader)->next(batch, 1);
  ASSERT_TRUE(more && *more);
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ((*reader)->traces(), 2u);
  batch.clear();
  more = (*reader)->next(batch, 1);
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_EQ((*reader)->offset(), text.size());  // the whole file once the log ended

  // A resumed reader skips the traces already read.
  auto resumed = read_all(path, options(), 1);
  ASSERT_TRUE(resumed) << resumed.error();
  ASSERT_EQ(resumed->size(), 1u);
  EXPECT_EQ((*resumed)[0].position, "line 37");
}

TEST(XesReader, ReadsGzipLikePlain) {
  testing::TempDir tmp;
  auto plain = read_all(write(tmp.path(), "log.xes", kLog), options());
  auto gz = read_all(write_gz(tmp.path(), "log.xes.gz", kLog), options());
  ASSERT_TRUE(plain) << plain.error();
  ASSERT_TRUE(gz) << gz.error();
  ASSERT_EQ(gz->size(), plain->size());
  for (size_t i = 0; i < gz->size(); ++i) {
    EXPECT_EQ((*gz)[i].raw, (*plain)[i].raw);
    EXPECT_EQ((*gz)[i].position, (*plain)[i].position);
  }
}

// One token of 20 MB (a comment, an attribute value): expat re-scans an
// unfinished token on every read, so feeding it 64 KiB at a time cost
// 20 MB x 320 reads. The reader's own count of scanned bytes stays within a
// small multiple of the file, plain and gzipped.
TEST(XesReader, OneHugeTokenIsScannedInLinearWork) {
  testing::TempDir tmp;
  const std::string big(20 << 20, 'x');
  const std::string comment =
      std::string(kLog).replace(std::string(kLog).find("  <trace>"), 0, "  <!-- " + big + " -->\n");
  std::string value = kLog;
  value.replace(value.find("value=\"Internet\""), 16, "value=\"" + big + "\"");
  for (const auto& [name, text, gz] :
       {std::tuple{"comment.xes", comment, false}, std::tuple{"value.xes", value, false},
        std::tuple{"value.xes.gz", value, true}}) {
    SCOPED_TRACE(name);
    const std::string path = gz ? write_gz(tmp.path(), name, text) : write(tmp.path(), name, text);
    auto reader = xes::XesReader::open(path, options(), 0);
    ASSERT_TRUE(reader) << reader.error();
    std::vector<SourceRecord> all;
    while (true) {
      auto more = (*reader)->next(all, 1000);
      ASSERT_TRUE(more) << more.error();
      if (!*more) break;
    }
    EXPECT_EQ(all.size(), 3u);
    EXPECT_GE((*reader)->parsed_bytes(), text.size());
    EXPECT_LE((*reader)->parsed_bytes(), 3 * text.size());
  }
}

TEST(XesReader, BrokenXmlNamesLineAndColumn) {
  testing::TempDir tmp;
  std::string broken = kLog;
  broken.replace(broken.find("</event>"), 8,
                 "</evnt>");  // line 20: expat points at the name, column 7
  auto records = read_all(write(tmp.path(), "broken.xes", broken), options());
  ASSERT_FALSE(records);
  EXPECT_NE(records.error().find("broken.xes:20:7 (byte 1025)"), std::string::npos)
      << records.error();
  EXPECT_NE(records.error().find("mismatched tag"), std::string::npos) << records.error();

  auto not_xes =
      read_all(write(tmp.path(), "other.xes", "<?xml version=\"1.0\"?>\n<html/>"), options());
  ASSERT_FALSE(not_xes);
  EXPECT_NE(not_xes.error().find("other.xes:2:"), std::string::npos) << not_xes.error();
  EXPECT_NE(not_xes.error().find("not an XES log"), std::string::npos) << not_xes.error();
}

TEST(XesReader, TruncatedLogKeepsWholeTracesBeforeTheBreak) {
  testing::TempDir tmp;
  const std::string text = kLog;
  // Inside trace 2: line 39 ends in the middle of the <date> that starts in column 7.
  const std::string cut = text.substr(0, text.find("bad time"));
  for (const bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gz" : "plain");
    const std::string path =
        gz ? write_gz(tmp.path(), "cut.xes.gz", cut) : write(tmp.path(), "cut.xes", cut);
    auto reader = xes::XesReader::open(path, options(), 0);
    ASSERT_TRUE(reader) << reader.error();
    std::vector<SourceRecord> batch;
    auto first = (*reader)->next(batch, 1);
    ASSERT_TRUE(first && *first);
    EXPECT_EQ(batch.size(), 2u);
    batch.clear();
    auto second = (*reader)->next(batch, 1);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("cut.xes" + std::string(gz ? ".gz" : "") + ":39:7 "),
              std::string::npos)
        << second.error();
    EXPECT_NE(second.error().find("truncated"), std::string::npos) << second.error();
    EXPECT_EQ((*reader)->traces(), 1u);
  }

  // A gzip stream cut short, even after a complete log, is an error too.
  const std::string whole = write_gz(tmp.path(), "whole.xes.gz", text);
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto cut_gz =
      read_all(write(tmp.path(), "short.xes.gz", bytes.substr(0, bytes.size() - 6)), options());
  ASSERT_FALSE(cut_gz);
  EXPECT_NE(cut_gz.error().find("short.xes.gz"), std::string::npos) << cut_gz.error();
}

TEST(XesWriter, TimesAreXsDateTimeWithMilliseconds) {
  EXPECT_EQ(xes::xes_time(ms("2024-03-01T11:00:00Z")), "2024-03-01T11:00:00.000+00:00");
  EXPECT_EQ(xes::xes_time(ms("2024-03-01T11:00:00.123Z")), "2024-03-01T11:00:00.123+00:00");
}

}  // namespace
}  // namespace ketenflow
