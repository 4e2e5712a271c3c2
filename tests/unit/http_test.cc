// The HTTP module's pure parts: small-number suppression, the token file,
// route matching and CSV rendering, without sockets.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api_fixture.h"
#include "http/api.h"
#include "http/disclosure.h"
#include "http/reply_cache.h"
#include "http/routes.h"
#include "http/target.h"
#include "http/tokens.h"
#include "ketenflow/v1/kpi.pb.h"
#include "model/chain_file.h"
#include "test_support.h"

namespace ketenflow::http {
namespace {

using nlohmann::ordered_json;

TEST(Disclosure, CountsBelowKBecomeStringsAndTheirStatisticsGo) {
  ordered_json report = ordered_json::parse(R"({
    "stages": [
      {"stage": "a", "entries": 3, "exits": 0, "wip": 12,
       "duration": {"count": 3, "meanSeconds": 10.5, "p50Seconds": 9}},
      {"stage": "b", "entries": 10, "exits": 9, "wip": 1,
       "duration": {"count": 10, "meanSeconds": 7, "p50Seconds": 6}}
    ],
    "transitions": [
      {"from": "a", "to": "b", "count": 4, "norm": {"days": 2, "within": 3, "share": 0.75},
       "delay": {"count": 4, "meanSeconds": 5}}
    ],
    "measures": [{"measure": "m", "clients": 25, "met": 5, "share": 0.2}]
  })");
  suppress_small_counts(report, 10);
  const auto& a = report["stages"][0];
  EXPECT_EQ(a["entries"], "<10");
  EXPECT_EQ(a["exits"], 0);
  EXPECT_EQ(a["wip"], 12);
  EXPECT_EQ(a["duration"], ordered_json::parse(R"({"count": "<10"})"));
  // wip = entries - exits: with wip hidden, entries is hidden too ("x").
  const auto& b = report["stages"][1];
  EXPECT_EQ(b["entries"], "x");
  EXPECT_EQ(b["exits"], "<10");
  EXPECT_EQ(b["wip"], "<10");
  EXPECT_EQ(b["duration"]["p50Seconds"], 6);
  // A transition of 4: its norm share and delay statistics are gone too.
  const auto& t = report["transitions"][0];
  EXPECT_EQ(t["count"], "<10");
  EXPECT_EQ(t["norm"], ordered_json::parse(R"({"days": 2, "within": "<10"})"));
  EXPECT_EQ(t["delay"], ordered_json::parse(R"({"count": "<10"})"));
  // A small numerator is shown as "<10", and its share goes with it.
  EXPECT_FALSE(report["measures"][0].contains("share"));
  EXPECT_EQ(report["measures"][0]["met"], "<10");
  EXPECT_EQ(report["measures"][0]["clients"], 25);
}

// Today's code kept the share: 0.2 x 25 clients gave met = 5 back.
TEST(Disclosure, ShareTimesClientsDoesNotGiveBackAHiddenCount) {
  ordered_json m = ordered_json::parse(R"({"clients": 25, "met": 5, "share": 0.2})");
  suppress_small_counts(m, 10);
  EXPECT_EQ(m, ordered_json::parse(R"({"clients": 25, "met": "<10"})"));
  ordered_json t = ordered_json::parse(
      R"({"count": 40, "norm": {"days": 2, "within": 4, "share": 0.1}, "delay": {"count": 40}})");
  suppress_small_counts(t, 10);
  EXPECT_EQ(t["norm"], ordered_json::parse(R"({"days": 2, "within": "<10"})"));
  EXPECT_EQ(t["count"], 40);
}

// Today's code showed met 22 of 25 clients: 25 - 22 gave the 3 who did not.
TEST(Disclosure, ASmallComplementWithinTheTotalHidesThePart) {
  ordered_json m = ordered_json::parse(
      R"({"clients": 25, "met": 22, "share": 0.88, "open": 30, "overdue": 28,
          "pending": 24})");
  suppress_small_counts(m, 10);
  EXPECT_EQ(m, ordered_json::parse(
                   R"({"clients": 25, "met": "x", "open": 30, "overdue": "x", "pending": "x"})"));
  ordered_json t = ordered_json::parse(
      R"({"count": 30, "norm": {"days": 2, "within": 27, "share": 0.9}, "delay": {"count": 30}})");
  suppress_small_counts(t, 10);
  EXPECT_EQ(t["norm"], ordered_json::parse(R"({"days": 2, "within": "x"})"));
  ordered_json s =
      ordered_json::parse(R"({"entries": 40, "reentries": 35, "exits": 0, "wip": 40})");
  suppress_small_counts(s, 10);
  EXPECT_EQ(s["reentries"], "x");
  EXPECT_EQ(s["entries"], 40);
}

// A complement of 0 ("all of them") and a part of 0 are shown when the total
// is k or more: they say nothing about fewer than k clients.
TEST(Disclosure, AllOrNoneOfATotalOfKOrMoreIsShown) {
  ordered_json all = ordered_json::parse(R"({"clients": 25, "met": 25, "share": 1.0})");
  ordered_json none = ordered_json::parse(R"({"clients": 25, "met": 0, "share": 0.0})");
  const ordered_json all_before = all, none_before = none;
  suppress_small_counts(all, 10);
  suppress_small_counts(none, 10);
  EXPECT_EQ(all, all_before);
  EXPECT_EQ(none, none_before);
}

// wip = entries - exits when nothing was open before: a hidden wip hides both,
// and the duration count that equals exits.
TEST(Disclosure, AHiddenWipHidesTheFlowThatGivesItBack) {
  ordered_json s = ordered_json::parse(
      R"({"entries": 20, "exits": 15, "wip": 5,
          "duration": {"count": 15, "meanSeconds": 7}})");
  suppress_small_counts(s, 10);
  EXPECT_EQ(s, ordered_json::parse(R"({"entries": "x", "exits": "x", "wip": "<10",
                                       "duration": {"count": "x", "meanSeconds": 7}})"));
}

// The total minus the other periods gave a hidden period back: a second
// period is hidden, the smallest other one.
TEST(Disclosure, PeriodsAndTheirTotalNeverLeaveOneHiddenValue) {
  ordered_json report = ordered_json::parse(R"({
    "transitions": [{"from": "a", "to": "b", "count": 30, "delay": {"count": 30}}],
    "periods": [
      {"period": "2024-01", "transitions": [{"from": "a", "to": "b", "count": 3,
                                             "delay": {"count": 3}}]},
      {"period": "2024-02", "transitions": [{"from": "a", "to": "b", "count": 12,
                                             "delay": {"count": 12}}]},
      {"period": "2024-03", "transitions": [{"from": "a", "to": "b", "count": 15,
                                             "delay": {"count": 15}}]}]})");
  suppress_small_counts(report, 10);
  EXPECT_EQ(report["transitions"][0]["count"], 30);
  const auto& periods = report["periods"];
  EXPECT_EQ(periods[0]["transitions"][0]["count"], "<10");
  EXPECT_EQ(periods[1]["transitions"][0]["count"], "x");
  EXPECT_EQ(periods[1]["transitions"][0]["delay"]["count"], "x");
  EXPECT_EQ(periods[2]["transitions"][0]["count"], 15);
}

// wip at the end of one period + entries - exits of the next = its wip.
TEST(Disclosure, AHiddenWipHidesTheNextPeriodsFlow) {
  ordered_json report = ordered_json::parse(R"({
    "stages": [{"entries": 60, "exits": 30, "wip": 30}],
    "periods": [{"stages": [{"entries": 20, "exits": 15, "wip": 5}]},
                {"stages": [{"entries": 40, "exits": 15, "wip": 30}]}]})");
  suppress_small_counts(report, 10);
  const auto& second = report["periods"][1]["stages"][0];
  EXPECT_EQ(second["entries"], "x");
  EXPECT_EQ(second["exits"], "x");
  EXPECT_EQ(second["wip"], 30);
  EXPECT_EQ(report["stages"][0]["wip"], 30);
}

// Today's code kept the trend: previous.share + trend gave current.share back.
TEST(Disclosure, TrendsGoWithEitherSidesShare) {
  ordered_json node = ordered_json::parse(R"({
    "current": {"kind": "within", "clients": 25, "met": 22, "share": 0.88},
    "previous": {"kind": "within", "clients": 40, "met": 20, "share": 0.5}, "trend": 0.38})");
  suppress_small_counts(node, 10);
  EXPECT_FALSE(node.contains("trend"));
  EXPECT_FALSE(node["current"].contains("share"));
  EXPECT_EQ(node["current"]["met"], "x");
  EXPECT_EQ(node["previous"]["share"], 0.5);
}

// --round 5: counts are multiples of 5, totals the sums of the rounded
// periods, shares and trends from the rounded counts.
TEST(Disclosure, RoundingKeepsTotalsAndSharesConsistent) {
  ordered_json report = ordered_json::parse(R"({
    "stages": [{"entries": 37, "exits": 0, "wip": 37}],
    "transitions": [{"count": 37, "norm": {"days": 2, "within": 27, "share": 0.7297}}],
    "periods": [
      {"stages": [{"entries": 18, "exits": 0, "wip": 18}],
       "transitions": [{"count": 18, "norm": {"days": 2, "within": 14, "share": 0.7778}}]},
      {"stages": [{"entries": 19, "exits": 0, "wip": 37}],
       "transitions": [{"count": 19, "norm": {"days": 2, "within": 13, "share": 0.6842}}]}]})");
  disclose(report, DisclosurePolicy{1, 5});
  EXPECT_EQ(report["periods"][0]["transitions"][0]["count"], 20);
  EXPECT_EQ(report["periods"][1]["transitions"][0]["count"], 20);
  EXPECT_EQ(report["transitions"][0]["count"], 40);  // 20 + 20, not round(37) = 35
  EXPECT_EQ(report["transitions"][0]["norm"]["within"], 30);
  EXPECT_DOUBLE_EQ(report["transitions"][0]["norm"]["share"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(report["periods"][0]["transitions"][0]["norm"]["share"].get<double>(), 0.75);
  EXPECT_EQ(report["stages"][0]["entries"], 40);
  EXPECT_EQ(report["stages"][0]["wip"], 35);  // a state, rounded as it is
  EXPECT_EQ(report["periods"][1]["stages"][0]["wip"], 35);

  ordered_json node = ordered_json::parse(R"({
    "current": {"kind": "within", "clients": 24, "met": 12, "share": 0.5},
    "previous": {"kind": "within", "clients": 41, "met": 21, "share": 0.512}, "trend": -0.012})");
  disclose(node, DisclosurePolicy{10, 5});
  EXPECT_EQ(node["current"]["clients"], 25);
  EXPECT_EQ(node["current"]["met"], 10);
  EXPECT_DOUBLE_EQ(node["current"]["share"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(node["previous"]["share"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(node["trend"].get<double>(), 0.4 - 0.5);
}

TEST(Disclosure, TrendsOfSmallMeasuresGo) {
  ordered_json node = ordered_json::parse(R"({
    "current": {"clients": 4, "met": 2, "share": 0.5},
    "previous": {"clients": 40, "met": 20, "share": 0.5}, "trend": 0.0})");
  suppress_small_counts(node, 5);
  EXPECT_FALSE(node.contains("trend"));
  EXPECT_FALSE(node["current"].contains("share"));
  EXPECT_EQ(node["current"]["clients"], "<5");
  EXPECT_EQ(node["previous"]["share"], 0.5);
}

TEST(Disclosure, KOfOneChangesNothing) {
  ordered_json report = ordered_json::parse(R"({"count": 1, "meanSeconds": 3})");
  const ordered_json before = report;
  suppress_small_counts(report, 1);
  EXPECT_EQ(report, before);
}

class TokenFile : public ::testing::Test {
 protected:
  ketenflow::testing::TempDir dir_;
  std::string file_ = dir_.path() + "/tokens";
};

TEST_F(TokenFile, AddKeepsOnlyTheHashWithMode600) {
  auto token = add_token(file_, {"anna", Role::kOperator, "mo-denbosch"});
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(token->size(), 4u + 64u);
  EXPECT_EQ(token->rfind("kft_", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto entries = read_tokens(file_);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].hash, hash_token(*token));
  EXPECT_EQ((*entries)[0].caller.name, "anna");
  EXPECT_EQ((*entries)[0].caller.role, Role::kOperator);
  EXPECT_EQ((*entries)[0].caller.partner, "mo-denbosch");
  std::ifstream in(file_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find(*token), std::string::npos);
  // Known SHA-256 test vector.
  EXPECT_EQ(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(TokenFile, RefusesDuplicatesAndOperatorsWithoutPartner) {
  ASSERT_TRUE(add_token(file_, {"anna", Role::kAdmin, ""}));
  auto again = add_token(file_, {"anna", Role::kAnalyst, ""});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("exists already"), std::string::npos);
  auto no_partner = add_token(file_, {"olaf", Role::kOperator, ""});
  ASSERT_FALSE(no_partner);
  EXPECT_NE(no_partner.error().find("--partner"), std::string::npos);
  EXPECT_FALSE(add_token(file_, {"nadia", Role::kAnalyst, "mo-denbosch"}));
  EXPECT_FALSE(add_token(file_, {"tab\tname", Role::kAnalyst, ""}));
}

TEST_F(TokenFile, RemoveAndBrokenLines) {
  ASSERT_TRUE(add_token(file_, {"anna", Role::kAdmin, ""}));
  ASSERT_TRUE(add_token(file_, {"nadia", Role::kAnalyst, ""}));
  ASSERT_TRUE(remove_token(file_, "anna"));
  EXPECT_FALSE(remove_token(file_, "anna"));
  auto entries = read_tokens(file_);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].caller.name, "nadia");

  std::ofstream(file_, std::ios::app) << "nothex\tx\tadmin\n";
  auto broken = read_tokens(file_);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find(file_ + ":3:"), std::string::npos) << broken.error();
  EXPECT_TRUE(read_tokens(dir_.path() + "/missing"));
}

TEST_F(TokenFile, ExpiryIsKeptAndOldLinesNeverExpire) {
  ASSERT_TRUE(add_token(file_, {"anna", Role::kAdmin, ""}, 1'900'000'000'000));
  ASSERT_TRUE(add_token(file_, {"nadia", Role::kAnalyst, ""}));
  std::ofstream(file_, std::ios::app) << std::string(64, 'a') << "\told\tanalyst\t\n"
                                      << std::string(64, 'b') << "\toldest\tadmin\n";
  auto entries = read_tokens(file_);
  ASSERT_TRUE(entries) << entries.error();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].expires_ms, 1'900'000'000'000);
  EXPECT_EQ((*entries)[1].expires_ms, 0);
  EXPECT_EQ((*entries)[2].expires_ms, 0);
  EXPECT_EQ((*entries)[3].expires_ms, 0);
  // Rewritten on remove, the expiry stays.
  ASSERT_TRUE(remove_token(file_, "nadia"));
  auto again = read_tokens(file_);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].expires_ms, 1'900'000'000'000);

  std::ofstream(file_, std::ios::app) << std::string(64, 'c') << "\tbad\tanalyst\t\tsoon\n";
  auto broken = read_tokens(file_);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("expiry"), std::string::npos) << broken.error();
}

TEST(Budget, APollStopsOnceTheDeadlineHasPassedOrTheCallerIsGone) {
  query::Budget none;
  query::BudgetPoll unlimited(&none, 1);
  EXPECT_TRUE(unlimited.tick());
  query::BudgetPoll nothing(nullptr, 1);
  EXPECT_TRUE(nothing.tick());

  query::Budget past;
  past.budget_ms = 5;
  past.deadline = query::Budget::Clock::now() - std::chrono::milliseconds(1);
  query::BudgetPoll poll(&past, 4);
  auto first = poll.tick();
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().find("budget of 5 ms"), std::string::npos) << first.error();
  EXPECT_TRUE(poll.tick());  // checked again only every 4th call
  ASSERT_TRUE(past.spent());
  EXPECT_EQ(past.spent()->why, query::Budget::Why::kOverBudget);

  query::Budget gone;
  gone.caller_gone = [] { return true; };
  ASSERT_TRUE(gone.spent());
  EXPECT_EQ(gone.spent()->why, query::Budget::Why::kCallerGone);
}

TEST(Target, PathAndQueryArePercentDecodedWithPlusAsSpaceOnlyInTheQuery) {
  const auto target = parse_target("/v1/a%2Bb+c?from=2025-01-01&name=a+b%26c&&flag&x=%C3%A9");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/v1/a+b+c");
  const QueryParams want{
      {"from", "2025-01-01"}, {"name", "a b&c"}, {"flag", ""}, {"x", "\xC3\xA9"}};
  EXPECT_EQ(target->params, want);
}

TEST(Target, MalformedEscapesAndPathsNotFromTheRootAreRefused) {
  EXPECT_FALSE(parse_target("/a%2"));
  EXPECT_FALSE(parse_target("/a%zz"));
  EXPECT_FALSE(parse_target("/a?b=%4"));
  EXPECT_FALSE(parse_target("/a?b%g1=1"));
  EXPECT_FALSE(parse_target("a/b"));
  EXPECT_FALSE(parse_target("?a=1"));
  EXPECT_FALSE(parse_target("%2Fa"));
  ASSERT_TRUE(parse_target("/a?b=%41"));
  EXPECT_EQ(parse_target("/a?b=%41")->params.at(0).second, "A");
}

TEST(Routes, MatchPatternsAndCaptureSegments) {
  std::map<std::string, std::string> segments;
  const Route* route = match_route("/v1/chains/wonen-eerst/clients/p-12", segments);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/v1/chains/{id}/clients/{ref}");
  EXPECT_EQ(segments["id"], "wonen-eerst");
  EXPECT_EQ(segments["ref"], "p-12");
  route = match_route("/v1/chains/x", segments);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/v1/chains/{id}");
  EXPECT_EQ(match_route("/v1/chains/x/nothing", segments), nullptr);
  EXPECT_EQ(match_route("/v1/chains//kpis", segments), nullptr);
  route = match_route("/", segments);
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->needs_token);
  route = match_route("/app.js", segments);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(segments["file"], "app.js");
}

TEST(Reply, CsvFlattensRowsAndSuppressesForAnalysts) {
  v1::KpiReport report;
  report.set_chain_id("c");
  auto* stage = report.add_stages();
  stage->set_stage("a");
  stage->set_name("Aanmelding, eerste \"stap\"");
  stage->set_entries(4);
  stage->mutable_duration()->set_count(4);
  stage->mutable_duration()->set_p50_seconds(12);
  const CsvRows rows = [](const nlohmann::ordered_json& json) {
    std::vector<nlohmann::ordered_json> out;
    append_rows(out, json, "stages", "stage");
    return out;
  };
  ApiRequest request;
  request.query["format"] = "csv";
  request.caller.role = Role::kAdmin;
  const ketenflow::testing::ApiFixture fixture;
  ASSERT_TRUE(fixture.ok());
  const ApiContext context = fixture.context();
  ApiReply admin = report_reply(context, request, report, rows);
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.content_type, "text/csv; charset=utf-8");
  std::string header = admin.body.substr(0, admin.body.find('\n'));
  EXPECT_EQ(header.substr(0, 17), "kind,stage,name,e");
  ASSERT_TRUE(header.ends_with(",suppressed")) << header;
  header.resize(header.size() - std::string(",suppressed").size());
  EXPECT_NE(admin.body.find("stage,a,\"Aanmelding, eerste \"\"stap\"\"\",4,"), std::string::npos)
      << admin.body;
  EXPECT_NE(admin.body.find(",12"), std::string::npos);

  request.caller.role = Role::kAnalyst;
  ApiReply analyst = report_reply(context, request, report, rows);
  // The hidden cells are empty and named in the last column, so that the
  // numeric columns stay numeric; the header is the exact report's.
  EXPECT_EQ(analyst.body.substr(0, analyst.body.find('\n')), header + ",suppressed")
      << analyst.body;
  EXPECT_NE(analyst.body.find("stage,a,\"Aanmelding, eerste \"\"stap\"\"\",,"), std::string::npos)
      << analyst.body;
  EXPECT_NE(analyst.body.find("entries<10"), std::string::npos) << analyst.body;
  EXPECT_NE(analyst.body.find("duration.count<10"), std::string::npos) << analyst.body;
  EXPECT_NE(analyst.body.find("duration.p50Seconds"), std::string::npos) << analyst.body;
  EXPECT_EQ(analyst.body.find(",12"), std::string::npos) << analyst.body;
  EXPECT_EQ(analyst.body.find("<10,"), std::string::npos) << analyst.body;

  request.query["format"] = "xml";
  ApiReply bad = report_reply(context, request, report, rows);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"parameter\":\"format\""), std::string::npos);
}

// Found by tests/fuzz/fuzz_report_query: a parameter value that is not UTF-8
// was quoted raw into the 400 reply, whose body then was not JSON.
TEST(Reply, RefusalQuotingBytesThatAreNotUtf8IsStillJson) {
  auto chain = model::parse_chain_yaml(ketenflow::testing::kTestChainYaml, "test.yaml");
  ASSERT_TRUE(chain) << chain.error();
  ApiRequest request;
  request.query["as_of"] = std::string(
      "2025\x9e"
      "03-3:\xe0\x93\x93");
  query::KpiQuery query;
  const auto reply = read_report_params(*chain, request, false, query);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 400);
  ASSERT_TRUE(nlohmann::json::accept(reply->body)) << reply->body;
  const auto json = nlohmann::json::parse(reply->body);
  EXPECT_EQ(json["parameter"], "as_of");
  EXPECT_NE(json["message"].get<std::string>().find("2025\xef\xbf\xbd"
                                                    "03-3:"),
            std::string::npos)
      << reply->body;
}

TEST(ReplyCache, FreshStaleAndRecomputed) {
  ReplyCache cache(2, 1000);
  int computed = 0;
  const auto compute = [&] {
    ++computed;
    return ApiReply{200, "text/plain", "answer " + std::to_string(computed)};
  };
  EXPECT_EQ(cache.get("k", 1, 0, compute).reply.body, "answer 1");
  EXPECT_EQ(cache.get("k", 1, 500, compute).reply.body, "answer 1");
  EXPECT_EQ(computed, 1);
  // The store moved on: the first caller recomputes...
  EXPECT_EQ(cache.get("k", 2, 600, compute).reply.body, "answer 2");
  EXPECT_EQ(computed, 2);
  // ...and while a recomputation runs, others get the previous answer.
  ReplyCache::Answer during;
  const auto slow = [&] {
    during = cache.get("k", 3, 700, compute);
    return ApiReply{200, "text/plain", "slow"};
  };
  EXPECT_EQ(cache.get("k", 3, 700, slow).reply.body, "slow");
  EXPECT_EQ(during.reply.body, "answer 2");
  EXPECT_EQ(during.stale_ms, 100);
  EXPECT_EQ(computed, 2);
  // Too old to serve stale: computed in the caller.
  EXPECT_EQ(cache.get("k", 4, 5000, compute).reply.body, "answer 3");
  // Errors are not kept; the oldest key goes when full.
  EXPECT_EQ(cache.get("e", 4, 5000,
                      [] {
                        return ApiReply{500, "text/plain", "no"};
                      })
                .reply.status,
            500);
  EXPECT_EQ(cache.get("e", 4, 5000, compute).reply.body, "answer 4");
  EXPECT_EQ(cache.get("f", 4, 5000, compute).reply.body, "answer 5");
  EXPECT_EQ(cache.get("k", 4, 5000, compute).reply.body, "answer 6");
}

}  // namespace
}  // namespace ketenflow::http
