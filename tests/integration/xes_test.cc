// Process-mining interop through the binary: the BPI receipt log converted to
// XES (plain and gzipped) gives the KPIs of its CSV; export -> import into a
// fresh store gives identical KPIs; a truncated XES file is refused with the
// line where it broke and a rerun of the complete file completes the ingest.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness.h"

namespace ketenflow {
namespace {

using it::Counts;
using it::Ok;
using it::parse_counts;

std::string receipt_csv() { return it::test_data("receipt.csv"); }

std::string xml_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

// A PM4Py-style CSV (case:concept:name, case:* trace attributes) as XES: one
// trace per case in order of first appearance, events in file order, empty
// cells left out, time:timestamp as a date, everything else a string.
std::string csv_to_xes(const std::string& csv_text) {
  const auto rows = it::csv_rows(csv_text);
  const std::vector<std::string>& header = rows.at(0);
  std::vector<std::string> order;
  std::map<std::string, std::vector<size_t>> cases;
  const size_t case_col =
      std::find(header.begin(), header.end(), "case:concept:name") - header.begin();
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != header.size()) continue;
    auto& list = cases[rows[r][case_col]];
    if (list.empty()) order.push_back(rows[r][case_col]);
    list.push_back(r);
  }
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<log xes.version=\"1849-2016\" xmlns=\"http://www.xes-standard.org/\">\n"
      "  <extension name=\"Concept\" prefix=\"concept\" "
      "uri=\"http://www.xes-standard.org/concept.xesext\"/>\n"
      "  <extension name=\"Time\" prefix=\"time\" "
      "uri=\"http://www.xes-standard.org/time.xesext\"/>\n";
  const auto attribute = [&](const char* indent, const std::string& key, const std::string& value) {
    const char* tag = key == "time:timestamp" ? "date" : "string";
    out += std::string(indent) + "<" + tag + " key=\"" + xml_escaped(key) + "\" value=\"" +
           xml_escaped(value) + "\"/>\n";
  };
  for (const std::string& name : order) {
    const auto& list = cases[name];
    out += "  <trace>\n";
    attribute("    ", "concept:name", name);
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& value = rows[list[0]][c];
      if (c != case_col && header[c].starts_with("case:") && !value.empty()) {
        attribute("    ", header[c].substr(5), value);
      }
    }
    for (size_t r : list) {
      out += "    <event>\n";
      for (size_t c = 0; c < header.size(); ++c) {
        if (header[c].starts_with("case:") || rows[r][c].empty()) continue;
        attribute("      ", header[c], rows[r][c]);
      }
      out += "    </event>\n";
    }
    out += "  </trace>\n";
  }
  return out + "</log>\n";
}

void write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

it::RunResult ingest(const std::string& data, const std::vector<std::string>& args) {
  std::vector<std::string> all{"ingest", "--data", data, "--quiet"};
  all.insert(all.end(), args.begin(), args.end());
  return it::ketenflow(all);
}

constexpr uint64_t kReceiptEvents = 8577;

TEST(Xes, ReceiptLogAsXesGivesTheKpisOfItsCsv) {
  it::TempDir tmp;
  const it::RunResult from_csv = ingest(tmp / "csv", {"--infer-chain", "receipt", receipt_csv()});
  ASSERT_TRUE(Ok(from_csv));
  ASSERT_EQ(parse_counts(from_csv.out).accepted, kReceiptEvents) << from_csv.describe();
  const auto want = it::kpi_outputs(tmp / "csv", "receipt");

  const std::string xes = csv_to_xes(it::read_file(receipt_csv()));
  it::write_file(tmp / "receipt.xes", xes);
  write_gz(tmp / "receipt.xes.gz", xes);
  for (const std::string name : {"receipt.xes", "receipt.xes.gz"}) {
    SCOPED_TRACE(name);
    const it::RunResult r = ingest(tmp / name + "-store", {"--infer-chain", "receipt", tmp / name});
    ASSERT_TRUE(Ok(r));
    const Counts c = parse_counts(r.out);
    EXPECT_EQ(c.accepted, kReceiptEvents) << r.describe();
    EXPECT_EQ(c.duplicates, 0u);
    EXPECT_EQ(c.rejected, 0u);
    it::expect_same_kpis(name + " vs receipt.csv", want,
                         it::kpi_outputs(tmp / name + "-store", "receipt"));
  }
  // Event ids are stable: a copy under another name (a new source) is all
  // duplicates.
  std::filesystem::copy_file(tmp / "receipt.xes", tmp / "again.xes");
  const it::RunResult again =
      ingest(tmp / "receipt.xes-store", {"--infer-chain", "receipt", tmp / "again.xes"});
  ASSERT_TRUE(Ok(again));
  const Counts c = parse_counts(again.out);
  EXPECT_EQ(c.accepted, 0u) << again.describe();
  EXPECT_EQ(c.duplicates, kReceiptEvents);
}

TEST(Xes, ExportThenImportIntoAFreshStoreGivesIdenticalKpis) {
  it::TempDir tmp;
  // Simulated events with late delivery, repeats, corrections and withdrawals.
  ASSERT_TRUE(
      Ok(it::simulate(tmp / "sim.ndjson", 300, 7,
                      {"--disorder", "0.2", "--duplicates", "0.05", "--corrections", "0.1"})));
  const std::string chains = it::wonen_eerst();
  ASSERT_TRUE(Ok(ingest(tmp / "A", {"--chains", chains, tmp / "sim.ndjson"})));
  const auto want = it::kpi_outputs(tmp / "A");

  const it::RunResult xes = it::ketenflow(
      {"export", "--data", tmp / "A", "--chain", "wonen-eerst", "--output", tmp / "out.xes"});
  ASSERT_TRUE(Ok(xes));
  EXPECT_NE(xes.err.find("corrected or withdrawn left out"), std::string::npos) << xes.err;
  const std::string text = it::read_file(tmp / "out.xes");
  EXPECT_NE(text.find("<extension name=\"Lifecycle\" prefix=\"lifecycle\""), std::string::npos);
  EXPECT_NE(text.find("<classifier name=\"Activity\" keys=\"concept:name\"/>"), std::string::npos);
  const it::RunResult from_xes =
      ingest(tmp / "B", {"--chains", chains, "--chain", "wonen-eerst", tmp / "out.xes"});
  ASSERT_TRUE(Ok(from_xes));
  EXPECT_EQ(parse_counts(from_xes.out).rejected, 0u) << from_xes.describe();
  it::expect_same_kpis("xes export -> import", want, it::kpi_outputs(tmp / "B"));

  // The export ingested into the store it came from holds nothing new.
  const it::RunResult back = ingest(tmp / "A", {"--chains", chains, tmp / "out.xes"});
  ASSERT_TRUE(Ok(back));
  EXPECT_EQ(parse_counts(back.out).accepted, 0u) << back.describe();
  EXPECT_EQ(parse_counts(back.out).rejected, 0u) << back.describe();

  // The same through CSV.
  ASSERT_TRUE(Ok(it::ketenflow({"export", "--data", tmp / "A", "--chain", "wonen-eerst", "--format",
                                "csv", "--output", tmp / "out.csv"})));
  const std::string csv = it::read_file(tmp / "out.csv");
  EXPECT_TRUE(csv.starts_with("case_id,activity,timestamp,resource,event_id,recorded_at"))
      << csv.substr(0, 200);
  const it::RunResult from_csv = ingest(
      tmp / "C", {"--chains", chains, "--case-column", "case_id", "--activity-column", "activity",
                  "--time-column", "timestamp", "--partner-column", "resource", "--id-column",
                  "event_id", "--recorded-column", "recorded_at", tmp / "out.csv"});
  ASSERT_TRUE(Ok(from_csv));
  EXPECT_EQ(parse_counts(from_csv.out).rejected, 0u) << from_csv.describe();
  it::expect_same_kpis("csv export -> import", want, it::kpi_outputs(tmp / "C"));

  // An inferred chain (the receipt log) round-trips too.
  ASSERT_TRUE(Ok(ingest(tmp / "R", {"--infer-chain", "receipt", receipt_csv()})));
  ASSERT_TRUE(Ok(it::ketenflow(
      {"export", "--data", tmp / "R", "--chain", "receipt", "--output", tmp / "receipt.xes"})));
  ASSERT_TRUE(Ok(ingest(tmp / "R2", {"--infer-chain", "receipt", tmp / "receipt.xes"})));
  it::expect_same_kpis("receipt export -> import", it::kpi_outputs(tmp / "R", "receipt"),
                       it::kpi_outputs(tmp / "R2", "receipt"));
}

TEST(Xes, TruncatedLogNamesTheLineAndARerunOfTheWholeFileCompletesIt) {
  it::TempDir tmp;
  const std::string xes = csv_to_xes(it::read_file(receipt_csv()));
  it::write_file(tmp / "clean.xes", xes);
  ASSERT_TRUE(Ok(ingest(tmp / "clean", {"--infer-chain", "receipt", tmp / "clean.xes"})));
  const auto want = it::kpi_outputs(tmp / "clean", "receipt");

  // `cut` is the file up to the break, `whole` the repaired file.
  const auto check = [&](const std::string& name, const std::string& cut, const std::string& whole,
                         const std::string& where) {
    SCOPED_TRACE(name);
    const std::string path = tmp / name;
    const std::string store = tmp / (name + "-store");
    it::write_file(path, cut);
    const it::RunResult broken =
        ingest(store, {"--infer-chain", "receipt", "--batch", "500", path});
    ASSERT_TRUE(broken.exited()) << broken.describe();
    EXPECT_NE(broken.exit_code, 0) << broken.describe();
    const size_t named = broken.err.find(name + ":" + where);
    ASSERT_NE(named, std::string::npos)
        << "want " << name << ":" << where << ": " << broken.describe();
    const size_t after = named + name.size() + 1 + where.size();
    EXPECT_TRUE(where != "" || std::isdigit(static_cast<unsigned char>(broken.err[after])))
        << "no line number: " << broken.describe();
    EXPECT_NE(broken.err.find("truncated"), std::string::npos) << broken.describe();

    // The whole traces before the break were ingested; the complete file
    // under the same name resumes after them.
    it::write_file(path, whole);
    const it::RunResult rerun = ingest(store, {"--infer-chain", "receipt", path});
    ASSERT_TRUE(Ok(rerun));
    EXPECT_NE(rerun.out.find("(resumed at byte "), std::string::npos) << rerun.describe();
    const Counts c = parse_counts(rerun.out);
    EXPECT_GT(c.accepted, 0u);
    EXPECT_LT(c.accepted, kReceiptEvents);
    EXPECT_EQ(c.duplicates, 0u);
    it::expect_same_kpis(name + " truncated + rerun vs clean", want,
                         it::kpi_outputs(store, "receipt"));

    const it::RunResult done = ingest(store, {"--infer-chain", "receipt", path});
    ASSERT_TRUE(Ok(done));
    EXPECT_NE(done.out.find("already ingested"), std::string::npos) << done.describe();
  };

  // Plain: cut in the middle of an attribute, 60 % into the file; the error
  // names the last line, where the cut attribute starts.
  const size_t at = xes.find("<string key=\"concept:name\"", xes.size() * 6 / 10) + 10;
  const std::string truncated = xes.substr(0, at);
  const size_t line = std::count(truncated.begin(), truncated.end(), '\n') + 1;
  check("log.xes", truncated, xes, std::to_string(line) + ":");

  // Gzipped: the compressed stream cut at 60 %; the error names the line
  // where the XML stopped (any line).
  write_gz(tmp / "whole.xes.gz", xes);
  const std::string gz = it::read_file(tmp / "whole.xes.gz");
  check("log.xes.gz", gz.substr(0, gz.size() * 6 / 10), gz, "");
}

}  // namespace
}  // namespace ketenflow
