// No raw identifiers, through the binary (DESIGN invariant 4): BSNs and
// e-mail addresses are recognised after normalisation (separators, a `BSN`
// label, full-width digits and `＠`); only the attributes some `where:` reads
// are stored, exported and shown; and a rejected protobuf record leaves no
// trace of an identifier in `rejects`, in the store's files or on stderr.
// Test BSNs are made up numbers passing the elfproef (111222333).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "ketenflow/v1/event.pb.h"
#include "model/event.h"

namespace ketenflow {
namespace {

using it::Ok;
using it::parse_counts;
using nlohmann::json;

const std::string kBsn = "111222333";
// U+FF11..U+FF13: full-width 1, 2, 3.
const std::string kFullWidthBsn = "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13";

std::string base64_decode(const std::string& in) {
  static const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0;
  int bits = -8;
  for (char c : in) {
    const size_t at = chars.find(c);
    if (at == std::string::npos) break;
    val = (val << 6) + static_cast<int>(at);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

json ndjson_event(const std::string& id, const std::string& client, const std::string& type,
                  const std::string& partner, const std::string& occurred) {
  return {{"eventId", id}, {"chainId", "wonen-eerst"}, {"clientRef", client},
          {"type", type},  {"partnerId", partner},     {"occurredAt", occurred}};
}

// Every text `ketenflow rejects` shows (table, JSON, the decoded records).
std::string everything_rejects_shows(const std::string& data) {
  const it::RunResult table = it::ketenflow({"rejects", "--data", data});
  const it::RunResult rj = it::ketenflow({"rejects", "--data", data, "--format", "json"});
  EXPECT_TRUE(Ok(table));
  EXPECT_TRUE(Ok(rj));
  std::string all = table.out + table.err + rj.out + rj.err;
  for (const std::string& line : it::split_lines(rj.out)) {
    all += "\n" + base64_decode(json::parse(line).value("record", ""));
  }
  return all;
}

// The bytes of every file under `dir` (SST files, the write-ahead log, ...).
std::string all_bytes_under(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) all += it::read_file(entry.path());
  }
  return all;
}

void append_delimited(std::string& out, const std::string& bytes) {
  uint64_t n = bytes.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  out += bytes;
}

TEST(RawIdentifiers, NormalisedBsnAndEmailClientRefsAreRejectedAndLeaveNoTrace) {
  it::TempDir tmp;
  const std::vector<std::pair<std::string, std::string>> refs = {
      {"111 222 333", "bsn_client_ref"},           {"BSN: 111-222-333", "bsn_client_ref"},
      {"bsn-111.222.333", "bsn_client_ref"},       {kFullWidthBsn, "bsn_client_ref"},
      {"jan\uff20example.nl", "email_client_ref"}, {"jan@localhost", "email_client_ref"},
  };
  std::vector<std::string> lines;
  std::map<std::string, uint64_t> want;
  for (size_t i = 0; i < refs.size(); ++i) {
    lines.push_back(ndjson_event("raw-" + std::to_string(i), refs[i].first, "aanmelding",
                                 "gemeente-denbosch", "2024-03-01T10:00:00Z")
                        .dump());
    ++want[refs[i].second];
  }
  lines.push_back(ndjson_event("ok-1", "c-062aaf4248886c5e", "aanmelding", "gemeente-denbosch",
                               "2024-03-01T10:00:00Z")
                      .dump());
  it::write_file(tmp / "refs.ndjson", it::join_lines(lines));
  const it::RunResult in = it::ketenflow(
      {"ingest", "--data", tmp / "store", "--chains", it::wonen_eerst(), tmp / "refs.ndjson"});
  ASSERT_TRUE(Ok(in));
  const it::Counts c = parse_counts(in.out);
  EXPECT_EQ(c.accepted, 1u) << in.out;
  EXPECT_EQ(c.by_code, want) << in.out;

  const std::string shown = everything_rejects_shows(tmp / "store") + in.out + in.err;
  for (const std::string trace :
       {"111 222 333", "111-222-333", "111.222.333", kFullWidthBsn.c_str(), "\uff12", "jan"}) {
    EXPECT_EQ(shown.find(trace), std::string::npos) << "shows " << trace << ":\n" << shown;
  }
}

TEST(RawIdentifiers, OnlyAttributesAWhereReadsAreStoredExportedAndShown) {
  // schulden-werk's measure eerste_gesprek_spoed reads `urgent`; nothing reads
  // geboortedatum.
  it::TempDir tmp;
  json first =
      ndjson_event("sw-1", "c-attr-1", "vroegsignaal", "schuldhulp", "2024-03-01T10:00:00Z");
  first["chainId"] = "schulden-werk";
  first["attributes"] = {{"urgent", "true"}, {"geboortedatum", "1990-01-01"}};
  json second =
      ndjson_event("sw-2", "c-attr-1", "eerste_gesprek", "schuldhulp", "2024-03-04T10:00:00Z");
  second["chainId"] = "schulden-werk";
  second["attributes"] = {{"geboortedatum", "1990-01-01"}};
  it::write_file(tmp / "attr.ndjson", it::join_lines({first.dump(), second.dump()}));
  const it::RunResult in =
      it::ketenflow({"ingest", "--data", tmp / "store", "--chains",
                     it::chain_file("schulden-werk.yaml"), "--quiet", tmp / "attr.ndjson"});
  ASSERT_TRUE(Ok(in));
  EXPECT_EQ(parse_counts(in.out).accepted, 2u) << in.describe();

  const it::RunResult path =
      it::ketenflow({"path", "--data", tmp / "store", "--chain", "schulden-werk", "--client",
                     "c-attr-1", "--format", "json"});
  const it::RunResult csv = it::ketenflow(
      {"export", "--data", tmp / "store", "--chain", "schulden-werk", "--format", "csv"});
  const it::RunResult xes = it::ketenflow(
      {"export", "--data", tmp / "store", "--chain", "schulden-werk", "--format", "xes"});
  for (const it::RunResult* r : {&path, &csv, &xes}) {
    ASSERT_TRUE(Ok(*r));
    EXPECT_EQ(r->out.find("geboortedatum"), std::string::npos) << r->out;
    EXPECT_EQ(r->out.find("1990-01-01"), std::string::npos) << r->out;
  }
  EXPECT_NE(csv.out.find("urgent"), std::string::npos) << csv.out;
  EXPECT_NE(xes.out.find("urgent"), std::string::npos) << xes.out;
  EXPECT_EQ(all_bytes_under(tmp / "store").find("1990-01-01"), std::string::npos);
}

TEST(RawIdentifiers, InferredChainKeepsNoAttributes) {
  // An inferred chain has no measures, so no where: reads any other column.
  it::TempDir tmp;
  it::write_file(tmp / "log.csv",
                 "case:concept:name,concept:name,time:timestamp,org:group,case:geboortedatum,note\n"
                 "c-1,aanmelding,2024-02-01 09:00:00+01:00,gemeente,1990-01-01,belt vaak\n"
                 "c-1,intake,2024-02-03 09:00:00+01:00,opvang,1990-01-01,belt vaak\n");
  const it::RunResult in = it::ketenflow(
      {"ingest", "--data", tmp / "store", "--infer-chain", "log", "--quiet", tmp / "log.csv"});
  ASSERT_TRUE(Ok(in));
  EXPECT_EQ(parse_counts(in.out).accepted, 2u) << in.describe();
  for (const std::string format : {"csv", "xes"}) {
    const it::RunResult out =
        it::ketenflow({"export", "--data", tmp / "store", "--chain", "log", "--format", format});
    ASSERT_TRUE(Ok(out));
    EXPECT_EQ(out.out.find("geboortedatum"), std::string::npos) << out.out;
    EXPECT_EQ(out.out.find("belt vaak"), std::string::npos) << out.out;
  }
}

TEST(RawIdentifiers, RejectedProtobufRecordsLeaveNoTraceInRejectsStoreOrStderr) {
  it::TempDir tmp;
  const auto event = [](const std::string& id, const std::string& client) {
    v1::ClientEvent e;
    e.set_event_id(id);
    e.set_chain_id("wonen-eerst");
    e.set_client_ref(client);
    e.set_type("aanmelding");
    e.set_partner_id("gemeente-denbosch");
    e.mutable_occurred_at()->set_seconds(1709287200);  // 2024-03-01T10:00:00Z
    return e;
  };
  std::string file;
  append_delimited(file, model::canonical_bytes(event("pb-1", kBsn)));
  append_delimited(file, model::canonical_bytes(event("pb-2", kFullWidthBsn)));
  v1::ClientEvent with_attribute = event("pb-3", "c-pb-3");
  (*with_attribute.mutable_attributes())["dossier"] = "BSN " + kBsn;
  append_delimited(file, model::canonical_bytes(with_attribute));
  v1::ClientEvent other_reason = event("pb-4", "c-pb-4");
  other_reason.set_partner_id("no-such-partner");
  (*other_reason.mutable_attributes())["note"] = "bel 111-222-333";
  append_delimited(file, model::canonical_bytes(other_reason));
  append_delimited(file, std::string("\x00\x09", 2) + kBsn);  // not a ClientEvent
  // The positive control: an accepted event whose ref the scan must find.
  append_delimited(file, model::canonical_bytes(event("pb-6", "c-positive-control-6")));
  it::write_file(tmp / "events.pb", file);

  const it::RunResult in = it::ketenflow({"ingest", "--data", tmp / "store", "--chains",
                                          it::wonen_eerst(), "--format", "pb", tmp / "events.pb"});
  ASSERT_TRUE(Ok(in));
  const it::Counts c = parse_counts(in.out);
  EXPECT_EQ(c.accepted, 1u) << in.out;
  EXPECT_EQ(c.by_code, (std::map<std::string, uint64_t>{{"bsn_client_ref", 2},
                                                        {"bsn_attribute", 1},
                                                        {"unknown_partner", 1},
                                                        {"decode_error", 1}}))
      << in.out;

  const std::string shown = everything_rejects_shows(tmp / "store") + in.out + in.err;
  const std::string stored = all_bytes_under(tmp / "store");
  ASSERT_NE(stored.find("c-positive-control-6"), std::string::npos)
      << "the scan of the store's files does not see plain strings";
  for (const std::string& trace : {kBsn, std::string("111-222-333"), kFullWidthBsn}) {
    EXPECT_EQ(shown.find(trace), std::string::npos) << "rejects or ingest shows " << trace;
    EXPECT_EQ(stored.find(trace), std::string::npos) << "the store's files hold " << trace;
  }
}

TEST(RawIdentifiers, RejectedXesTracesLeaveNoTraceInRejectsStoreOrStderr) {
  it::TempDir tmp;
  const auto trace = [](const std::string& name, const std::string& extra = "") {
    return "  <trace>\n    <string key=\"concept:name\" value=\"" + name +
           "\"/>\n    <event>\n      <string key=\"concept:name\" value=\"aanmelding\"/>\n"
           "      <string key=\"org:group\" value=\"gemeente-denbosch\"/>\n" +
           extra + "      <date key=\"time:timestamp\" value=\"2024-03-01T10:00:00Z\"/>\n" +
           "    </event>\n  </trace>\n";
  };
  std::string log =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<log xes.version=\"1849-2016\" xmlns=\"http://www.xes-standard.org/\">\n";
  log += trace("BSN: 111-222-333");
  log += trace(kFullWidthBsn);
  log += trace("jan@localhost");
  log += trace("c-xes-4", "      <string key=\"dossier\" value=\"bsn 111.222.333\"/>\n");
  // The positive control: an accepted trace whose ref the scan must find.
  log += trace("c-positive-control-5");
  log += "</log>\n";
  it::write_file(tmp / "log.xes", log);

  const it::RunResult in =
      it::ketenflow({"ingest", "--data", tmp / "store", "--chains", it::wonen_eerst(), "--chain",
                     "wonen-eerst", tmp / "log.xes"});
  ASSERT_TRUE(Ok(in));
  const it::Counts c = parse_counts(in.out);
  EXPECT_EQ(c.accepted, 1u) << in.out;
  EXPECT_EQ(c.by_code, (std::map<std::string, uint64_t>{
                           {"bsn_client_ref", 2}, {"email_client_ref", 1}, {"bsn_attribute", 1}}))
      << in.out;

  const std::string shown = everything_rejects_shows(tmp / "store") + in.out + in.err;
  const std::string stored = all_bytes_under(tmp / "store");
  ASSERT_NE(stored.find("c-positive-control-5"), std::string::npos)
      << "the scan of the store's files does not see plain strings";
  for (const std::string& raw : {std::string("111-222-333"), std::string("111.222.333"),
                                 kFullWidthBsn, std::string("jan@")}) {
    EXPECT_EQ(shown.find(raw), std::string::npos) << "rejects or ingest shows " << raw;
    EXPECT_EQ(stored.find(raw), std::string::npos) << "the store's files hold " << raw;
  }
}

}  // namespace
}  // namespace ketenflow
