// Real process-mining logs (tests/data/PROVENANCE.md) through `ingest
// --infer-chain` + `kpi`, each against a directly-follows computation done
// here from the file itself: what PM4Py's performance DFG gives on edges
// a != b (consecutive events of one activity are one visit), plus case
// durations. Counts exact, means to 1 ms, medians (interpolated, as numpy and
// pandas compute them) within the histogram's 1 %. No event may be lost.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <map>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace {

namespace it = ketenflow::it;
using it::Ok;
using nlohmann::json;

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2011-10-11 13:45:40.276000+02:00" (also 'T', 'Z', no fraction) -> ms since
// the epoch. Fractions beyond milliseconds are truncated. These logs always
// carry an offset; a time without one is a failure of the test's reading.
std::optional<int64_t> parse_timestamp(const std::string& s) {
  static const std::regex format(
      R"((\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2}))");
  std::smatch m;
  if (!std::regex_match(s, m, format)) return std::nullopt;
  const int64_t days = days_from_civil(std::stoll(m[1]), static_cast<unsigned>(std::stoi(m[2])),
                                       static_cast<unsigned>(std::stoi(m[3])));
  int64_t ms = ((days * 24 + std::stoll(m[4])) * 60 + std::stoll(m[5])) * 60 * 1000 +
               std::stoll(m[6]) * 1000;
  if (m[7].matched) {
    std::string frac = m[7].str().substr(0, 3);
    while (frac.size() < 3) frac += '0';
    ms += std::stoll(frac);
  }
  if (m[8].str() != "Z") {
    const std::string off = m[8];
    const int64_t minutes = std::stoll(off.substr(1, 2)) * 60 + std::stoll(off.substr(4, 2));
    ms -= (off[0] == '-' ? -1 : 1) * minutes * 60 * 1000;
  }
  return ms;
}

struct LogEvent {
  int64_t ms;
  std::string activity;
};
// Case -> its events in file order.
struct Log {
  std::map<std::string, std::vector<LogEvent>> cases;
  size_t events = 0;
  // XES: the values of the event attributes asked for, by key.
  std::map<std::string, std::set<std::string>> values;
};

// The rows of a CSV log, by column name.
Log csv_log(const std::string& file, char separator, const std::string& case_name,
            const std::string& activity_name, const std::string& time_name) {
  Log log;
  const auto rows = it::csv_rows(it::read_file(file), separator);
  EXPECT_GT(rows.size(), 1u);
  if (rows.size() < 2) return log;
  const std::vector<std::string>& header = rows[0];
  auto column = [&](const std::string& name) {
    const auto found = std::find(header.begin(), header.end(), name);
    EXPECT_NE(found, header.end()) << "no column " << name;
    return static_cast<size_t>(found - header.begin());
  };
  const size_t case_col = column(case_name), activity_col = column(activity_name),
               time_col = column(time_name);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].size(), header.size()) << "row " << i;
    if (rows[i].size() != header.size()) continue;
    const auto ms = parse_timestamp(rows[i][time_col]);
    EXPECT_TRUE(ms) << "row " << i << ": " << rows[i][time_col];
    if (!ms) continue;
    log.cases[rows[i][case_col]].push_back({*ms, rows[i][activity_col]});
    ++log.events;
  }
  return log;
}

std::string gunzip(const std::string& file) {
  gzFile in = gzopen(file.c_str(), "rb");
  EXPECT_NE(in, nullptr) << file;
  if (in == nullptr) return {};
  std::string out;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(in, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  gzclose(in);
  return out;
}

std::string xml_unescaped(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities) {
    for (size_t at = 0; (at = s.find(entity, at)) != std::string::npos; at += 1) {
      s.replace(at, std::string(entity).size(), text);
    }
  }
  return s;
}

// The complete events of a (gzipped) XES log as a line scanner reads them:
// one attribute per line, as the Disco export writes it. Trace attribute
// concept:name is the case; an event's concept:name its activity.
Log xes_log(const std::string& file, const std::set<std::string>& value_keys = {}) {
  Log log;
  static const std::regex attribute(R"re(<(\w+) key="([^"]*)" value="([^"]*)"\s*/>)re");
  const std::string text = gunzip(file);
  std::string trace, activity, time, lifecycle;
  bool in_trace = false, in_event = false;
  std::vector<LogEvent> events;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.find("<trace>") != std::string::npos) {
      in_trace = true;
      trace.clear();
      events.clear();
    } else if (line.find("</trace>") != std::string::npos) {
      in_trace = false;
      EXPECT_FALSE(trace.empty());
      auto& list = log.cases[trace];
      EXPECT_TRUE(list.empty()) << "trace " << trace << " twice";
      list = std::move(events);
      events.clear();
    } else if (line.find("<event>") != std::string::npos) {
      in_event = true;
      activity.clear();
      time.clear();
      lifecycle.clear();
    } else if (line.find("</event>") != std::string::npos) {
      in_event = false;
      if (!lifecycle.empty() && lifecycle != "complete") continue;
      const auto ms = parse_timestamp(time);
      EXPECT_TRUE(ms) << "trace " << trace << ": " << time;
      if (!ms) continue;
      events.push_back({*ms, activity});
      ++log.events;
    } else if (in_trace) {
      std::smatch m;
      if (!std::regex_search(line, m, attribute)) continue;
      const std::string key = m[2], value = xml_unescaped(m[3]);
      if (!in_event && key == "concept:name") trace = value;
      if (in_event && key == "concept:name") activity = value;
      if (in_event && key == "time:timestamp") time = value;
      if (in_event && key == "lifecycle:transition") lifecycle = value;
      if (in_event && value_keys.count(key)) log.values[key].insert(value);
    }
  }
  return log;
}

struct Stats {
  std::vector<int64_t> ms;
  double mean_seconds() const {
    return static_cast<double>(std::accumulate(ms.begin(), ms.end(), int64_t{0})) /
           static_cast<double>(ms.size()) / 1000.0;
  }
  // numpy.median: the middle value, or the midpoint of the two middle ones.
  double median_seconds() const {
    std::vector<int64_t> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    const double sum =
        static_cast<double>(sorted[(n - 1) / 2]) + static_cast<double>(sorted[n / 2]);
    return sum / 2.0 / 1000.0;
  }
};

testing::AssertionResult Near(const std::string& what, double want, double got, double tolerance) {
  if (std::fabs(want - got) <= tolerance) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << what << ": expected " << std::setprecision(15) << want << ", engine says " << got
         << " (tolerance " << tolerance << ")";
}

// Median within the histogram's 1 %, plus the 1 ms the output is rounded to.
testing::AssertionResult MedianNear(const std::string& what, const Stats& s, const json& stats) {
  const double want = s.median_seconds();
  return Near(what + " p50", want, stats.at("p50Seconds").get<double>(), 0.01 * want + 0.001);
}

// Whether every element of `part` is in `whole`.
bool subset(const std::set<std::string>& part, const std::set<std::string>& whole) {
  return std::includes(whole.begin(), whole.end(), part.begin(), part.end());
}
// Whether some element of `part` is not in `other`.
bool some_outside(const std::set<std::string>& part, const std::set<std::string>& other) {
  return !subset(part, other);
}

// Ingests `file` with `ingest_args` into an inferred chain `chain` and checks
// the engine's transitions and case durations against `log`. Returns the KPI
// JSON for further checks.
json expect_directly_follows(const Log& log, const std::string& chain, const std::string& file,
                             const std::vector<std::string>& ingest_args, const it::TempDir& tmp) {
  EXPECT_GT(log.events, 0u);
  std::map<std::pair<std::string, std::string>, Stats> dfg;
  Stats case_duration;
  for (const auto& [ref, unsorted] : log.cases) {
    std::vector<LogEvent> list = unsorted;
    std::stable_sort(list.begin(), list.end(),
                     [](const LogEvent& a, const LogEvent& b) { return a.ms < b.ms; });
    for (size_t i = 1; i < list.size(); ++i) {
      if (list[i - 1].activity == list[i].activity) continue;
      dfg[{list[i - 1].activity, list[i].activity}].ms.push_back(list[i].ms - list[i - 1].ms);
    }
    case_duration.ms.push_back(list.back().ms - list.front().ms);
  }
  EXPECT_FALSE(dfg.empty());

  std::vector<std::string> args = {"ingest",        "--data", tmp / "store",
                                   "--infer-chain", chain,    "--quiet"};
  args.insert(args.end(), ingest_args.begin(), ingest_args.end());
  args.push_back(file);
  const it::RunResult in = it::ketenflow(args);
  EXPECT_TRUE(Ok(in));
  const it::Counts c = it::parse_counts(in.out);
  EXPECT_TRUE(c.found) << in.describe();
  EXPECT_EQ(c.accepted, log.events) << in.describe();
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.rejected, 0u);

  const it::RunResult k = it::kpi(tmp / "store", chain, {"--format", "json"});
  EXPECT_TRUE(Ok(k));
  const auto kpis = json::parse(k.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(kpis.is_discarded()) << k.out;
  if (kpis.is_discarded()) return json();

  std::set<std::pair<std::string, std::string>> seen;
  for (const json& t : kpis.at("transitions")) {
    const std::pair<std::string, std::string> edge{t.at("from"), t.at("to")};
    const std::string name = edge.first + " -> " + edge.second;
    EXPECT_TRUE(seen.insert(edge).second) << "transition listed twice: " << name;
    const auto want = dfg.find(edge);
    if (want == dfg.end()) {
      ADD_FAILURE() << "engine reports a transition the log does not have: " << t.dump();
      continue;
    }
    const Stats& s = want->second;
    EXPECT_EQ(t.at("count").get<uint64_t>(), s.ms.size()) << name;
    EXPECT_EQ(t.at("delay").at("count").get<uint64_t>(), s.ms.size()) << name;
    EXPECT_TRUE(Near(name + " mean", s.mean_seconds(),
                     t.at("delay").at("meanSeconds").get<double>(), 0.001));
    EXPECT_TRUE(MedianNear(name, s, t.at("delay")));
  }
  size_t missed = 0;
  for (const auto& [edge, s] : dfg) {
    if (seen.count(edge)) continue;
    if (++missed <= 10) {
      ADD_FAILURE() << "engine misses transition " << edge.first << " -> " << edge.second << " ("
                    << s.ms.size() << " times in the log)";
    }
  }
  EXPECT_EQ(missed, 0u) << "transitions missed of " << dfg.size();
  EXPECT_EQ(seen.size(), dfg.size());

  const json& cd = kpis.at("caseDuration");
  EXPECT_EQ(cd.at("count").get<uint64_t>(), log.cases.size());
  EXPECT_TRUE(Near("case duration mean", case_duration.mean_seconds(),
                   cd.at("meanSeconds").get<double>(), 0.001));
  EXPECT_TRUE(MedianNear("case duration", case_duration, cd));
  return kpis;
}

// Partners the KPIs name in their partner handovers.
std::set<std::string> handover_partners(const json& kpis) {
  std::set<std::string> partners;
  for (const json& h : kpis.at("partnerHandovers")) {
    partners.insert(h.at("fromPartner").get<std::string>());
    partners.insert(h.at("toPartner").get<std::string>());
  }
  return partners;
}

TEST(RealData, ReceiptLogMatchesIndependentDirectlyFollowsComputation) {
  const std::string csv = it::test_data("receipt.csv");
  it::TempDir tmp;
  expect_directly_follows(csv_log(csv, ',', "case:concept:name", "concept:name", "time:timestamp"),
                          "receipt", csv, {}, tmp);
}

// bupaR columns, ';'-separated (found without --delimiter), thousands of
// events that share their predecessor's timestamp: ties keep file order.
TEST(RealData, SepsisLogWithSemicolonsAndTiedTimesMatchesIndependentDirectlyFollows) {
  const std::string csv = it::test_data("sepsis.csv");
  const Log log = csv_log(csv, ';', "case_id", "activity", "timestamp");
  size_t ties = 0;
  for (const auto& [ref, list] : log.cases) {
    for (size_t i = 1; i < list.size(); ++i) ties += list[i].ms == list[i - 1].ms;
  }
  EXPECT_GT(ties, 4'000u) << "the log's point: many tied timestamps";
  it::TempDir tmp;
  expect_directly_follows(log, "sepsis", csv,
                          {"--case-column", "case_id", "--activity-column", "activity",
                           "--time-column", "timestamp", "--partner-column", "resource"},
                          tmp);
  // The same with the separator named.
  it::TempDir named;
  expect_directly_follows(
      log, "sepsis", csv,
      {"--delimiter", ";", "--case-column", "case_id", "--activity-column", "activity",
       "--time-column", "timestamp", "--partner-column", "resource"},
      named);
}

// A Dutch municipality's permit log (BPI Challenge 2015), gzipped XES. It has
// no org:group: the partner is org:resource. --partner-attribute picks
// another attribute, as --partner-column does in CSV.
TEST(RealData, PermitLogAsXesMatchesIndependentDirectlyFollowsWithEitherPartnerAttribute) {
  const std::string xes = it::test_data("BPIC15_1.xes.gz");
  const Log log = xes_log(xes, {"org:resource", "monitoringResource"});
  EXPECT_EQ(log.events, 52'217u);
  EXPECT_EQ(log.cases.size(), 1'199u);
  const std::set<std::string>& resources = log.values.at("org:resource");
  const std::set<std::string>& monitors = log.values.at("monitoringResource");
  ASSERT_NE(resources, monitors);

  it::TempDir tmp;
  const json kpis = expect_directly_follows(log, "permits", xes, {}, tmp);
  EXPECT_GT(kpis.at("transitions").size(), 4'000u);
  const std::set<std::string> partners = handover_partners(kpis);
  EXPECT_GT(partners.size(), 5u);
  EXPECT_TRUE(subset(partners, resources));
  EXPECT_TRUE(some_outside(partners, monitors));

  it::TempDir other;
  const json by_monitor = expect_directly_follows(
      log, "permits", xes,
      {"--partner-attribute", "monitoringResource", "--resource-attribute", "no-such-attribute"},
      other);
  const std::set<std::string> monitoring = handover_partners(by_monitor);
  EXPECT_GT(monitoring.size(), 5u);
  EXPECT_TRUE(subset(monitoring, monitors));
  EXPECT_TRUE(some_outside(monitoring, resources));
}

// Logs that do not say who did an event (BPIC 2012, road fines) lose no
// events in an inferred chain: they count under an explicit unknown partner.
TEST(RealData, EventsWithoutAPartnerCountUnderAnUnknownPartnerInAnInferredChain) {
  const std::string receipt = it::test_data("receipt.csv");
  auto rows = it::csv_rows(it::read_file(receipt));
  ASSERT_GT(rows.size(), 100u);
  const auto& header = rows[0];
  const size_t group =
      static_cast<size_t>(std::find(header.begin(), header.end(), "org:group") - header.begin());
  const size_t resource =
      static_cast<size_t>(std::find(header.begin(), header.end(), "org:resource") - header.begin());
  ASSERT_LT(group, header.size());
  ASSERT_LT(resource, header.size());
  // Every third row names no partner at all.
  size_t blanked = 0;
  for (size_t i = 1; i < rows.size(); i += 3) {
    rows[i][group].clear();
    rows[i][resource].clear();
    ++blanked;
  }
  it::TempDir tmp;
  const std::string file = tmp / "receipt-partly-anonymous.csv";
  {
    std::string text;
    for (const auto& row : rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        text += (c ? "," : "");
        text += row[c].find_first_of(",\"\n") == std::string::npos ? row[c] : "\"" + row[c] + "\"";
      }
      text += "\n";
    }
    it::write_file(file, text);
  }
  const Log log = csv_log(file, ',', "case:concept:name", "concept:name", "time:timestamp");
  const json kpis = expect_directly_follows(log, "receipt", file, {}, tmp);
  EXPECT_TRUE(handover_partners(kpis).count("(unknown)"));

  // The summary says how many, and the columns may be missing altogether.
  it::TempDir again;
  const it::RunResult in = it::ketenflow(
      {"ingest", "--data", again / "store", "--infer-chain", "receipt", "--quiet", file});
  ASSERT_TRUE(Ok(in));
  EXPECT_NE(in.out.find(std::to_string(blanked) + " accepted without a partner, counted as "
                                                  "(unknown)"),
            std::string::npos)
      << in.out;

  it::TempDir bare;
  const std::string no_partner = bare / "no-partner.csv";
  it::write_file(no_partner,
                 "case,activity,time\nc1,a,2024-03-01T10:00:00Z\nc1,b,2024-03-01T12:00:00Z\n");
  const it::RunResult none = it::ketenflow(
      {"ingest", "--data", bare / "store", "--infer-chain", "bare", "--quiet", "--case-column",
       "case", "--activity-column", "activity", "--time-column", "time", no_partner});
  ASSERT_TRUE(Ok(none)) << none.describe();
  EXPECT_EQ(it::parse_counts(none.out).accepted, 2u) << none.out;
  // A chain from a chain file still needs the partner: the file is refused.
  const it::RunResult checked =
      it::ketenflow({"ingest", "--data", bare / "checked", "--chains",
                     it::chain_file("wonen-eerst.yaml"), "--quiet", "--case-column", "case",
                     "--activity-column", "activity", "--time-column", "time", no_partner});
  EXPECT_FALSE(Ok(checked));
  EXPECT_NE(checked.err.find("neither partner column"), std::string::npos) << checked.err;
}

// Times without an offset are read in a stated zone, said once per file.
TEST(RealData, NaiveTimesAreReadInTheStatedZoneWithOneWarningPerFile) {
  it::TempDir tmp;
  const std::string file = tmp / "naive.csv";
  it::write_file(file,
                 "case;activity;time;who\n"
                 "c1;a;2024-03-01 10:00:00;p\n"
                 "c1;b;2024-03-01 12:30:00;p\n"
                 "c2;a;2024-07-01T10:00:00+02:00;p\n"
                 "c2;b;2024-07-01 11:00:00;p\n");
  const it::RunResult in = it::ketenflow(
      {"ingest", "--data", tmp / "store", "--infer-chain", "n", "--quiet", "--time-zone",
       "America/New_York", "--case-column", "case", "--activity-column", "activity",
       "--time-column", "time", "--partner-column", "who", file});
  ASSERT_TRUE(Ok(in)) << in.describe();
  EXPECT_EQ(it::parse_counts(in.out).accepted, 4u);
  size_t warnings = 0;
  for (size_t at = 0; (at = in.err.find("warning:", at)) != std::string::npos; ++at) ++warnings;
  EXPECT_EQ(warnings, 1u) << in.err;
  EXPECT_NE(in.err.find("3 times without a UTC offset were read as local time in "
                        "America/New_York"),
            std::string::npos)
      << in.err;
  // c2's b at 11:00 New York (EDT, -04:00) is 15:00 UTC: 7 h after 08:00 UTC.
  const it::RunResult k = it::kpi(tmp / "store", "n", {"--format", "json"});
  ASSERT_TRUE(Ok(k));
  const json t = json::parse(k.out).at("transitions").at(0);
  EXPECT_EQ(t.at("count").get<int>(), 2);
  EXPECT_NEAR(t.at("delay").at("meanSeconds").get<double>(), (2.5 * 3600 + 7 * 3600) / 2, 0.001);

  const it::RunResult help = it::ketenflow({"ingest", "--help"});
  EXPECT_NE(help.out.find("--time-zone TEXT=Europe/Amsterdam"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--delimiter"), std::string::npos);
}

TEST(RealData, BadDelimiterIsOneClearError) {
  it::TempDir tmp;
  const it::RunResult bad = it::ketenflow({"ingest", "--data", tmp / "s", "--infer-chain", "x",
                                           "--delimiter", ";;", it::test_data("sepsis.csv")});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_NE(bad.err.find("--delimiter must be one character"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "s"));
}

}  // namespace
