// Chain definitions: make_chain_model() checks and lookups, YAML chain files
// (every problem reported as FILE:LINE: what is wrong) and the three real
// chains under chains/.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "model/chain.h"
#include "model/chain_file.h"

namespace ketenflow::model {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  if (const char* env = std::getenv("KETENFLOW_SOURCE_DIR"); env && *env) return env;
  return (fs::path(__FILE__).parent_path() / ".." / "..").lexically_normal().string();
}

std::string chain_path(const std::string& name) { return source_dir() + "/chains/" + name; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// True when some line of `errors` is "ORIGIN:LINE: ..." and contains `text`.
::testing::AssertionResult HasProblem(const std::string& errors, const std::string& origin,
                                      int line, const std::string& text) {
  const std::string prefix = origin + ":" + std::to_string(line) + ": ";
  for (const auto& l : lines_of(errors)) {
    if (l.rfind(prefix, 0) == 0 && l.find(text, prefix.size()) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no line starting with '" << prefix << "' containing '" << text << "' in:\n"
         << errors;
}

// A valid chain; the comments give the line numbers the error tests rely on.
const std::string kValid =
    "id: test-chain\n"                                                            // 1
    "name: Test\n"                                                                // 2
    "partners:\n"                                                                 // 3
    "  - {id: gemeente, name: Gemeente}\n"                                        // 4
    "  - {id: opvang, name: Opvang}\n"                                            // 5
    "stages:\n"                                                                   // 6
    "  - {id: aanmelding, name: Aanmelding, owner: gemeente}\n"                   // 7
    "  - {id: intake, name: Intake, owner: opvang}\n"                             // 8
    "  - {id: wonen, name: Wonen, owner: gemeente}\n"                             // 9
    "milestones:\n"                                                               // 10
    "  - {id: aanmelding, stage: aanmelding, partners: [gemeente]}\n"             // 11
    "  - {id: intake, stage: intake, partners: [opvang, gemeente]}\n"             // 12
    "  - {id: gehuisvest, stage: wonen, partners: [gemeente], terminal: true}\n"  // 13
    "norms:\n"                                                                    // 14
    "  - {from: aanmelding, to: intake, days: 1}\n"                               // 15
    "  - {from: intake, days: 14}\n";                                             // 16

// kValid with the first occurrence of `from` replaced by `to`.
std::string with(std::string from, std::string to, std::string text = kValid) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the chain text";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The error text of a chain that must not load.
std::string errors(const std::string& yaml) {
  auto model = parse_chain_yaml(yaml, "test.yaml");
  EXPECT_FALSE(model.ok()) << "expected problems in:\n" << yaml;
  return model.ok() ? std::string() : model.error();
}

// --- the YAML layer on a valid chain -----------------------------------------

TEST(ChainFile, ValidChainLoadsWithDefaults) {
  auto model = parse_chain_yaml(kValid, "test.yaml");
  ASSERT_TRUE(model.ok()) << model.error();
  const ChainModel& m = *model;
  EXPECT_EQ(m.def.id(), "test-chain");
  EXPECT_EQ(m.def.name(), "Test");
  EXPECT_EQ(m.def.time_zone(), "Europe/Amsterdam");
  EXPECT_NE(m.zone, nullptr);
  ASSERT_EQ(m.stage_count(), 3);
  EXPECT_EQ(m.stage_rank(0), 1u);
  EXPECT_EQ(m.stage_rank(1), 2u);
  EXPECT_EQ(m.stage_rank(2), 3u);
  EXPECT_EQ(m.stage("intake"), 1);
  EXPECT_EQ(m.milestone("gehuisvest"), 2);
  EXPECT_EQ(m.partner("opvang"), 1);
  EXPECT_TRUE(m.milestones[2].terminal);
  EXPECT_FALSE(m.milestones[0].terminal);
  EXPECT_EQ(m.milestones[1].stage, 1);
  EXPECT_EQ(m.milestones[1].partners, (std::vector<int>{0, 1}));  // sorted indexes
  EXPECT_EQ(m.norm(0, 1), 1.0);
  // `to` left out: the next stage by rank.
  EXPECT_EQ(m.def.norms(1).to_stage(), "wonen");
  EXPECT_EQ(m.norm(1, 2), 14.0);
  EXPECT_EQ(m.norm(0, 2), std::nullopt);
  EXPECT_EQ(m.norm(1, 0), std::nullopt);
}

TEST(ChainFile, InactiveAfterDaysIsOptionalAndMustBeADayCount) {
  EXPECT_EQ(parse_chain_yaml(kValid, "test.yaml")->def.inactive_after_days(), 0);
  auto set = parse_chain_yaml(std::string(kValid) + "inactive_after_days: 365\n", "test.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_EQ(set->def.inactive_after_days(), 365);
  EXPECT_NE(errors(std::string(kValid) + "inactive_after_days: -1\n")
                .find("inactive_after_days must be a number of days from 0 (never) to 36500"),
            std::string::npos);
  EXPECT_NE(errors(std::string(kValid) + "inactive_after_days: soon\n")
                .find("inactive_after_days: expected a number of days, got"),
            std::string::npos);
}

TEST(ChainFile, BlockStyleAndExplicitRanks) {
  const std::string yaml =
      "id: ranked\n"
      "time_zone: Europe/Brussels\n"
      "partners:\n"
      "  - id: p\n"
      "stages:\n"
      "  - id: c\n"
      "    owner: p\n"
      "    rank: 30\n"
      "  - id: a\n"
      "    owner: p\n"
      "    rank: 10\n"
      "  - id: b\n"
      "    owner: p\n"
      "    rank: 20\n"
      "milestones:\n"
      "  - {id: a, stage: a, partners: [p]}\n"
      "  - {id: b, stage: b, partners: [p]}\n"
      "  - id: c\n"
      "    stage: c\n"
      "    partners:\n"
      "      - p\n"
      "    terminal: True\n"
      "norms:\n"
      "  - {from: a, days: 2.5}\n"
      "  - {from: b, days: 3}\n";
  auto model = parse_chain_yaml(yaml, "ranked.yaml");
  ASSERT_TRUE(model.ok()) << model.error();
  EXPECT_EQ(model->def.time_zone(), "Europe/Brussels");
  EXPECT_EQ(model->stage_rank(0), 30u);
  EXPECT_EQ(model->stage_rank(1), 10u);
  EXPECT_EQ(model->stage_rank(2), 20u);
  // Next by rank, not by position: a(10) -> b(20), b(20) -> c(30).
  EXPECT_EQ(model->def.norms(0).to_stage(), "b");
  EXPECT_EQ(model->def.norms(1).to_stage(), "c");
  EXPECT_EQ(model->norm(1, 2), 2.5);
  EXPECT_EQ(model->norm(2, 0), 3.0);
  EXPECT_TRUE(model->milestones[2].terminal);
}

// --- every check, with file and line ----------------------------------------

TEST(ChainFile, MissingChainIdIsReportedAtTheStartOfTheChain) {
  EXPECT_TRUE(
      HasProblem(errors(with("id: test-chain", "id: ''")), "test.yaml", 1, "chain has no id"));
  // No `id:` key at all: the line where the chain's map starts.
  EXPECT_TRUE(
      HasProblem(errors(with("id: test-chain\n", "# no id\n")), "test.yaml", 2, "chain has no id"));
}

TEST(ChainFile, InvalidChainIdPointsAtIdLine) {
  for (const char* bad : {"Test-Chain", "-test", "test chain", "test/chain", "_x"}) {
    EXPECT_TRUE(HasProblem(errors(with("id: test-chain", std::string("id: '") + bad + "'")),
                           "test.yaml", 1, "chain id '" + std::string(bad) + "' is not valid"));
  }
  for (const char* good : {"a", "0", "wonen-eerst", "a.b_c-1"}) {
    auto model = parse_chain_yaml(with("id: test-chain", std::string("id: ") + good), "t.yaml");
    EXPECT_TRUE(model.ok()) << good << ": " << model.error();
  }
}

TEST(ChainFile, NoStagesOrMilestones) {
  const std::string yaml =
      "id: leeg\n"             // 1
      "partners: [{id: p}]\n"  // 2
      "stages: []\n"           // 3
      "milestones:\n";         // 4
  const std::string err = errors(yaml);
  EXPECT_TRUE(HasProblem(err, "test.yaml", 3, "chain has no stages"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 4, "chain has no milestones"));
  // Keys left out entirely: reported where the chain starts.
  const std::string err2 = errors("id: leeg\npartners: [{id: p}]\n");
  EXPECT_TRUE(HasProblem(err2, "test.yaml", 1, "chain has no stages"));
  EXPECT_TRUE(HasProblem(err2, "test.yaml", 1, "chain has no milestones"));
}

TEST(ChainFile, DuplicateIds) {
  EXPECT_TRUE(HasProblem(errors(with("{id: opvang, name: Opvang}", "{id: gemeente, name: Opvang}")),
                         "test.yaml", 5, "partner id 'gemeente' is defined more than once"));
  EXPECT_TRUE(HasProblem(errors(with("{id: wonen, name: Wonen", "{id: intake, name: Wonen")),
                         "test.yaml", 9, "stage id 'intake' is defined more than once"));
  EXPECT_TRUE(HasProblem(errors(with("{id: gehuisvest,", "{id: intake,")), "test.yaml", 13,
                         "milestone id 'intake' is defined more than once"));
}

TEST(ChainFile, MissingIdsOfStagesMilestonesPartners) {
  EXPECT_TRUE(HasProblem(errors(with("{id: opvang, name: Opvang}", "{name: Opvang}")), "test.yaml",
                         5, "partner 2 has no id"));
  EXPECT_TRUE(HasProblem(errors(with("{id: wonen, name: Wonen", "{name: Wonen")), "test.yaml", 9,
                         "stage 3 has no id"));
  EXPECT_TRUE(HasProblem(errors(with("{id: gehuisvest, stage", "{stage")), "test.yaml", 13,
                         "milestone 3 has no id"));
}

TEST(ChainFile, StageOwnerMustBeAPartner) {
  const std::string err = errors(with("owner: opvang", "owner: opvng"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 8,
                         "stage 'intake': owner 'opvng' is not a partner of this chain"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 8, "did you mean 'opvang'?"));
  EXPECT_TRUE(HasProblem(errors(with(", owner: opvang}", "}")), "test.yaml", 8,
                         "stage 'intake' has no owner"));
}

TEST(ChainFile, MilestoneStageMustBeKnown) {
  EXPECT_TRUE(HasProblem(errors(with("stage: intake,", "stage: intak,")), "test.yaml", 12,
                         "milestone 'intake': stage 'intak' is not a stage of this chain"));
  EXPECT_TRUE(HasProblem(errors(with("{id: intake, stage: intake, ", "{id: intake, ")), "test.yaml",
                         12, "milestone 'intake' has no stage"));
}

TEST(ChainFile, EveryStageNeedsAMilestone) {
  EXPECT_TRUE(HasProblem(errors(with("stage: wonen,", "stage: intake,")), "test.yaml", 9,
                         "stage 'wonen' has no milestones"));
}

TEST(ChainFile, MilestonePartnersMustBeGivenAndKnown) {
  EXPECT_TRUE(HasProblem(errors(with("partners: [gemeente]}", "partners: []}")), "test.yaml", 11,
                         "milestone 'aanmelding' names no partners"));
  EXPECT_TRUE(HasProblem(errors(with(", partners: [gemeente]}", "}")), "test.yaml", 11,
                         "milestone 'aanmelding' names no partners"));
  EXPECT_TRUE(HasProblem(errors(with("[opvang, gemeente]", "[opvang, gemeent]")), "test.yaml", 12,
                         "milestone 'intake': partner 'gemeent' is not a partner of this chain"));
  EXPECT_TRUE(HasProblem(errors(with("[opvang, gemeente]", "[opvang, opvang]")), "test.yaml", 12,
                         "milestone 'intake' lists partner 'opvang' more than once"));
  // Block list: the line of the offending entry itself.
  const std::string block = with("  - {id: intake, stage: intake, partners: [opvang, gemeente]}\n",
                                 "  - id: intake\n"     // 12
                                 "    stage: intake\n"  // 13
                                 "    partners:\n"      // 14
                                 "      - opvang\n"     // 15
                                 "      - zorg\n");     // 16
  EXPECT_TRUE(HasProblem(errors(block), "test.yaml", 16, "partner 'zorg' is not a partner"));
}

TEST(ChainFile, NormStagesAndDays) {
  EXPECT_TRUE(HasProblem(errors(with("from: aanmelding", "from: aanmeldng")), "test.yaml", 15,
                         "from stage 'aanmeldng' is not a stage of this chain"));
  EXPECT_TRUE(HasProblem(errors(with("to: intake", "to: intke")), "test.yaml", 15,
                         "to stage 'intke' is not a stage of this chain"));
  EXPECT_TRUE(
      HasProblem(errors(with("{from: aanmelding, ", "{")), "test.yaml", 15, "has no from stage"));
  EXPECT_TRUE(HasProblem(errors(with("days: 1}", "days: 0}")), "test.yaml", 15,
                         "norm aanmelding -> intake: days must be a number more than 0 (got 0)"));
  EXPECT_TRUE(HasProblem(errors(with("days: 14}", "days: -3}")), "test.yaml", 16,
                         "norm intake -> wonen: days must be a number more than 0 (got -3)"));
  EXPECT_TRUE(HasProblem(errors(with(", days: 1}", "}")), "test.yaml", 15,
                         "days must be a number more than 0"));
  EXPECT_TRUE(HasProblem(errors(with("days: 1}", "days: nan}")), "test.yaml", 15,
                         "days must be a number more than 0 (got nan)"));
  EXPECT_TRUE(HasProblem(errors(with("days: 1}", "days: inf}")), "test.yaml", 15,
                         "days must be a number more than 0 (got inf)"));
  // An unknown `from` without `to` is one problem, not two.
  const std::string err = errors(with("{from: intake, days", "{from: intak, days"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 16, "from stage 'intak' is not a stage"));
  EXPECT_EQ(lines_of(err).size(), 1u) << err;
}

TEST(ChainFile, NormWithoutToFromTheLastStage) {
  const std::string err = errors(with("{from: intake, days", "{from: wonen, days"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 16, "there is no stage after it; give `to:`"));
  EXPECT_EQ(lines_of(err).size(), 1u) << err;
}

TEST(ChainFile, NormTwiceOrToItself) {
  EXPECT_TRUE(HasProblem(
      errors(with("{from: intake, days: 14}", "{from: aanmelding, to: intake, days: 2}")),
      "test.yaml", 16, "norm aanmelding -> intake is set more than once"));
  EXPECT_TRUE(HasProblem(errors(with("to: intake,", "to: aanmelding,")), "test.yaml", 15,
                         "from and to are the same stage"));
}

TEST(ChainFile, TimeZoneMustExist) {
  const std::string err = errors(with("name: Test", "time_zone: Europe/Amsterdm"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 2, "unknown time zone 'Europe/Amsterdm'"));
}

TEST(ChainFile, UnknownKeysWithSuggestions) {
  EXPECT_TRUE(HasProblem(errors(with("name: Test", "nmae: Test")), "test.yaml", 2,
                         "unknown key 'nmae' in the chain (did you mean 'name'?)"));
  const std::string err = errors(with("milestones:", "milestone:"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 10,
                         "unknown key 'milestone' in the chain (did you mean 'milestones'?)"));
  EXPECT_TRUE(HasProblem(errors(with("name: Test", "mijlpalen: []")), "test.yaml", 2,
                         "unknown key 'mijlpalen' in the chain (expected one of: id, name"));
  EXPECT_TRUE(HasProblem(errors(with("name: Gemeente}", "naam: Gemeente}")), "test.yaml", 4,
                         "unknown key 'naam' in a partner"));
  EXPECT_TRUE(HasProblem(errors(with("owner: opvang", "eigenaar: opvang")), "test.yaml", 8,
                         "unknown key 'eigenaar' in a stage"));
  EXPECT_TRUE(HasProblem(errors(with("terminal: true", "terminl: true")), "test.yaml", 13,
                         "unknown key 'terminl' in a milestone (did you mean 'terminal'?)"));
  EXPECT_TRUE(HasProblem(errors(with("days: 1}", "dagen: 1}")), "test.yaml", 15,
                         "unknown key 'dagen' in a norm"));
}

TEST(ChainFile, DuplicateKey) {
  EXPECT_TRUE(HasProblem(errors(with("name: Test", "id: other")), "test.yaml", 2,
                         "key 'id' given twice in the chain (first on line 1)"));
}

TEST(ChainFile, YamlSyntaxErrorHasItsLine) {
  const std::string err = errors(with("owner: opvang}", "owner: [opvang}"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 8, "YAML syntax error")) << err;
  // yaml-cpp reports where it gave up: here the line after the unclosed list.
  EXPECT_TRUE(HasProblem(errors("id: x\nname: [a, b\nstages: []\n"), "test.yaml", 3,
                         "YAML syntax error: end of sequence flow not found"));
  EXPECT_TRUE(
      HasProblem(errors("id: x\n\tname: y\n"), "test.yaml", 2, "YAML syntax error: illegal tab"));
  EXPECT_TRUE(HasProblem(errors("id: x\n  name: y\n"), "test.yaml", 2,
                         "YAML syntax error: illegal map value"));
}

TEST(ChainFile, WrongTypes) {
  EXPECT_TRUE(HasProblem(errors(with("id: test-chain", "id: [a, b]")), "test.yaml", 1,
                         "id: expected text, got a list"));
  EXPECT_TRUE(HasProblem(errors("id: x\nstages: aanmelding\n"), "test.yaml", 2,
                         "stages: expected a list, got 'aanmelding'"));
  EXPECT_TRUE(HasProblem(
      errors(with("partners:\n  - {id: gemeente, name: Gemeente}\n  - {id: opvang, name: Opvang}\n",
                  "partners: {a: b}\n#\n#\n")),
      "test.yaml", 3, "partners: expected a list, got a map"));
  EXPECT_TRUE(HasProblem(errors(with("  - {id: wonen, name: Wonen, owner: gemeente}", "  - wonen")),
                         "test.yaml", 9, "each stage is a map like"));
  EXPECT_TRUE(HasProblem(errors(with("days: 1}", "days: een}")), "test.yaml", 15,
                         "days: expected a number of calendar days, got 'een'"));
  EXPECT_TRUE(HasProblem(errors(with("days: 1}", "days: 14d}")), "test.yaml", 15,
                         "days: expected a number of calendar days, got '14d'"));
  EXPECT_TRUE(HasProblem(errors(with("terminal: true", "terminal: ja")), "test.yaml", 13,
                         "terminal: expected true or false, got 'ja'"));
  EXPECT_TRUE(HasProblem(errors(with("owner: gemeente}", "owner: gemeente, rank: -1}")),
                         "test.yaml", 7, "rank: expected a whole number of 1 or more, got '-1'"));
  EXPECT_TRUE(HasProblem(errors(with("owner: gemeente}", "owner: gemeente, rank: 1.5}")),
                         "test.yaml", 7, "rank: expected a whole number"));
  EXPECT_TRUE(HasProblem(errors(with("partners: [gemeente]}", "partners: gemeente}")), "test.yaml",
                         11, "partners: expected a list, got 'gemeente'"));
  EXPECT_TRUE(HasProblem(errors(with("[opvang, gemeente]", "[opvang, [gemeente]]")), "test.yaml",
                         12, "partners: expected partner ids, got a list"));
  EXPECT_TRUE(HasProblem(errors(with("owner: opvang}", "owner: {id: opvang}}")), "test.yaml", 8,
                         "owner: expected text, got a map"));
  EXPECT_TRUE(
      HasProblem(errors("- id: x\n- stages: []\n"), "test.yaml", 1, "expected a chain definition"));
}

TEST(ChainFile, TypeProblemsAreNotRepeatedByTheModelChecks) {
  // A list where the owner should be: one problem, not also "has no owner".
  const std::string err = errors(with("owner: opvang}", "owner: [opvang]}"));
  EXPECT_EQ(lines_of(err).size(), 1u) << err;
  const std::string err2 =
      errors(with("  - {id: wonen, name: Wonen, owner: gemeente}", "  - wonen"));
  EXPECT_TRUE(HasProblem(err2, "test.yaml", 9, "each stage is a map"));
  EXPECT_EQ(err2.find("stage 3 has no id"), std::string::npos) << err2;
}

TEST(ChainFile, EmptyFileAndSecondDocument) {
  EXPECT_TRUE(HasProblem(errors(""), "test.yaml", 1, "the file is empty"));
  EXPECT_TRUE(HasProblem(errors("# only a comment\n"), "test.yaml", 1, "the file is empty"));
  EXPECT_TRUE(HasProblem(errors(kValid + "---\nid: second\n"), "test.yaml", 18,
                         "a chain file holds one chain"));
}

// Found by tests/fuzz/fuzz_chain_yaml (corpus/.../hang_stray_comma.yaml): yaml-cpp
// 0.7's LoadAll loops for ever, allocating, on a ',' where a document should
// start. The loader must answer with a syntax error at that line instead.
TEST(ChainFile, StrayCommaWhereADocumentStartsIsASyntaxErrorNotAHang) {
  EXPECT_TRUE(HasProblem(errors(",\n"), "test.yaml", 1, "YAML syntax error: unexpected ','"));
  EXPECT_TRUE(HasProblem(errors("- just\n- a lit \n,---\niFju[1( :\n"), "test.yaml", 3,
                         "YAML syntax error: unexpected ','"));
  // After a whole chain, yaml-cpp itself already stops at the ','.
  EXPECT_TRUE(HasProblem(errors(kValid + ",\n"), "test.yaml", 17, "YAML syntax error"));
}

TEST(ChainFile, AllProblemsAreReportedSortedByLine) {
  std::string yaml = with("name: Test", "nmae: x");
  yaml = with("owner: opvang", "owner: nobody", yaml);
  yaml = with("days: 1}", "days: 0}", yaml);
  yaml = with("stage: wonen,", "stage: wonenn,", yaml);
  const std::string err = errors(yaml);
  const auto lines = lines_of(err);
  ASSERT_GE(lines.size(), 5u) << err;
  EXPECT_TRUE(HasProblem(err, "test.yaml", 2, "unknown key 'nmae'"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 8, "owner 'nobody' is not a partner"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 9, "stage 'wonen' has no milestones"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 13, "stage 'wonenn' is not a stage"));
  EXPECT_TRUE(HasProblem(err, "test.yaml", 15, "days must be a number more than 0"));
  int last = 0;
  for (const auto& l : lines) {
    const int line = std::stoi(l.substr(l.find(':') + 1));
    EXPECT_GE(line, last) << err;
    last = line;
  }
}

// --- files and folders ----------------------------------------------------------

class ChainFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ketenflow-chain-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  fs::path dir_;
};

TEST_F(ChainFolder, LoadsYamlFilesSortedAndRejectsDuplicateIds) {
  write("b.yaml", with("id: test-chain", "id: bbb"));
  write("a.yml", with("id: test-chain", "id: aaa"));
  write("notes.txt", "not a chain");
  auto chains = load_chains(dir_.string());
  ASSERT_TRUE(chains.ok()) << chains.error();
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[0].def.id(), "aaa");
  EXPECT_EQ((*chains)[1].def.id(), "bbb");

  const std::string c =
      write("c.yaml", "# the same chain again\n" + with("id: test-chain", "id: aaa"));
  auto dup = load_chains(dir_.string());
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(
      HasProblem(dup.error(), c, 2,
                 "chain id 'aaa' is already defined at " + (dir_ / "a.yml").string() + ":1"));
}

TEST_F(ChainFolder, ReportsProblemsOfEveryFile) {
  const std::string a = write("a.yaml", with("owner: opvang", "owner: x"));
  const std::string b = write("b.yaml", with("days: 1}", "days: -1}"));
  auto chains = load_chains(dir_.string());
  ASSERT_FALSE(chains.ok());
  EXPECT_TRUE(HasProblem(chains.error(), a, 8, "owner 'x' is not a partner"));
  EXPECT_TRUE(HasProblem(chains.error(), b, 15, "days must be a number more than 0"));
}

TEST_F(ChainFolder, MissingFileEmptyFolderAndFolderAsFile) {
  auto missing = load_chain_file((dir_ / "nope.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), (dir_ / "nope.yaml").string() + ": no such file");
  auto empty = load_chains(dir_.string());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().find("no chain files"), std::string::npos) << empty.error();
  auto folder = load_chain_file(dir_.string());
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().find("is a folder"), std::string::npos) << folder.error();
  const std::string one = write("one.yaml", kValid);
  auto single = load_chains(one);
  ASSERT_TRUE(single.ok()) << single.error();
  EXPECT_EQ(single->size(), 1u);
}

// --- make_chain_model() directly --------------------------------------------

v1::Chain small_chain() {
  auto model = parse_chain_yaml(kValid, "test.yaml");
  EXPECT_TRUE(model.ok());
  v1::Chain def = model->def;
  for (auto& stage : *def.mutable_stages()) stage.set_rank(0);
  def.clear_time_zone();
  return def;
}

TEST(ChainModel, ErrorsNameTheFieldPath) {
  v1::Chain def = small_chain();
  def.mutable_stages(1)->set_owner("nobody");
  def.mutable_milestones(0)->add_partners("niemand");
  def.mutable_norms(0)->set_days(0);
  def.set_time_zone("Nowhere/City");
  auto model = make_chain_model(def);
  ASSERT_FALSE(model.ok());
  const std::string& err = model.error();
  EXPECT_NE(err.find("stages[1].owner: stage 'intake': owner 'nobody'"), std::string::npos) << err;
  EXPECT_NE(err.find("milestones[0].partners[1]: milestone 'aanmelding': partner 'niemand'"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("norms[0].days: norm aanmelding -> intake"), std::string::npos) << err;
  EXPECT_NE(err.find("time_zone: unknown time zone 'Nowhere/City'"), std::string::npos) << err;
  EXPECT_EQ(lines_of(err).size(), 4u) << err;
}

TEST(ChainModel, RanksTimeZoneAndLookups) {
  v1::Chain def = small_chain();
  def.mutable_stages(2)->set_rank(7);
  auto model = make_chain_model(def);
  ASSERT_TRUE(model.ok()) << model.error();
  EXPECT_EQ(model->def.time_zone(), "Europe/Amsterdam");
  ASSERT_NE(model->zone, nullptr);
  EXPECT_EQ(model->stage_rank(0), 1u);
  EXPECT_EQ(model->stage_rank(1), 2u);
  EXPECT_EQ(model->stage_rank(2), 7u);  // a given rank is kept
  EXPECT_EQ(model->norm_days.size(), 9u);
  EXPECT_EQ(model->norm_days[0 * 3 + 1], 1.0);
  EXPECT_EQ(model->norm_days[2 * 3 + 0], -1.0);
  EXPECT_EQ(model->norm(-1, 0), std::nullopt);
  EXPECT_EQ(model->norm(0, 3), std::nullopt);
  EXPECT_EQ(model->stage("nope"), -1);
  EXPECT_EQ(model->milestone("nope"), -1);
  EXPECT_EQ(model->partner("nope"), -1);
  const int gemeente = model->partner("gemeente");
  const int opvang = model->partner("opvang");
  EXPECT_TRUE(model->partner_may_report(model->milestone("intake"), opvang));
  EXPECT_TRUE(model->partner_may_report(model->milestone("intake"), gemeente));
  EXPECT_FALSE(model->partner_may_report(model->milestone("aanmelding"), opvang));
  EXPECT_FALSE(model->partner_may_report(-1, gemeente));
  EXPECT_FALSE(model->partner_may_report(99, gemeente));
}

TEST(ChainModel, InferredChainsKeepRankZeroAndMayStartEmpty) {
  v1::Chain def = small_chain();
  def.set_inferred(true);
  auto model = make_chain_model(def);
  ASSERT_TRUE(model.ok()) << model.error();
  for (int s = 0; s < model->stage_count(); ++s) EXPECT_EQ(model->stage_rank(s), 0u);

  v1::Chain empty;
  empty.set_id("log");
  empty.set_inferred(true);
  auto empty_model = make_chain_model(empty);
  ASSERT_TRUE(empty_model.ok()) << empty_model.error();
  EXPECT_EQ(empty_model->stage_count(), 0);

  empty.set_inferred(false);
  auto not_inferred = make_chain_model(empty);
  ASSERT_FALSE(not_inferred.ok());
  EXPECT_NE(not_inferred.error().find("stages: chain has no stages"), std::string::npos);
  EXPECT_NE(not_inferred.error().find("milestones: chain has no milestones"), std::string::npos);
}

// --- the real chains ------------------------------------------------------------

struct Expected {
  const char* file;
  const char* id;
  std::vector<std::string> stages;
  int milestones;
  int partners;
  std::set<std::string> terminal;
  std::vector<std::tuple<std::string, std::string, double>> norms;
};

void expect_chain(const Expected& e) {
  SCOPED_TRACE(e.file);
  auto model = load_chain_file(chain_path(e.file));
  ASSERT_TRUE(model.ok()) << model.error();
  const ChainModel& m = *model;
  EXPECT_EQ(m.def.id(), e.id);
  EXPECT_FALSE(m.def.name().empty());
  EXPECT_EQ(m.def.time_zone(), "Europe/Amsterdam");
  ASSERT_EQ(m.stage_count(), static_cast<int>(e.stages.size()));
  for (int s = 0; s < m.stage_count(); ++s) {
    EXPECT_EQ(m.stage_id(s), e.stages[s]);
    EXPECT_EQ(m.stage_rank(s), static_cast<uint32_t>(s + 1));
  }
  EXPECT_EQ(m.def.milestones_size(), e.milestones);
  EXPECT_EQ(m.def.partners_size(), e.partners);
  EXPECT_LE(m.def.partners_size(), 7);
  std::set<std::string> terminal;
  for (const auto& milestone : m.def.milestones()) {
    if (milestone.terminal()) terminal.insert(milestone.id());
  }
  EXPECT_EQ(terminal, e.terminal);
  // The terminal milestones sit in the last stage.
  for (const auto& id : e.terminal) {
    EXPECT_EQ(m.milestones[m.milestone(id)].stage, m.stage_count() - 1) << id;
  }
  int set = 0;
  for (double days : m.norm_days) set += days >= 0 ? 1 : 0;
  EXPECT_EQ(set, static_cast<int>(e.norms.size()));
  for (const auto& [from, to, days] : e.norms) {
    EXPECT_EQ(m.norm(m.stage(from), m.stage(to)), days) << from << " -> " << to;
  }
}

TEST(RealChains, WonenEerst) {
  expect_chain({"wonen-eerst.yaml",
                "wonen-eerst",
                {"aanmelding", "intake_opvang", "urgentie", "woningaanbod", "sleutel",
                 "begeleid_wonen", "afschaling"},
                10,
                4,
                {"begeleiding_afgeschaald"},
                {{"aanmelding", "intake_opvang", 1},
                 {"intake_opvang", "urgentie", 14},
                 {"urgentie", "woningaanbod", 14},
                 {"woningaanbod", "sleutel", 45},
                 {"sleutel", "begeleid_wonen", 2}}});
  auto m = load_chain_file(chain_path("wonen-eerst.yaml"));
  ASSERT_TRUE(m.ok());
  for (const char* id : {"intake", "opvang_geplaatst"}) {
    EXPECT_EQ(m->milestones[m->milestone(id)].stage, m->stage("intake_opvang")) << id;
  }
  EXPECT_TRUE(m->partner_may_report(m->milestone("woning_toegewezen"), m->partner("zayaz")));
  EXPECT_FALSE(m->partner_may_report(m->milestone("woning_toegewezen"), m->partner("mo-denbosch")));
  EXPECT_TRUE(
      m->partner_may_report(m->milestone("urgentie_besluit"), m->partner("gemeente-denbosch")));
}

TEST(RealChains, DetentieTerugkeer) {
  expect_chain(
      {"detentie-terugkeer.yaml",
       "detentie-terugkeer",
       {"insluiting", "screening", "plan", "voorwaarden", "aankondiging", "ontslag", "nazorg",
        "afgesloten"},
       13,
       5,
       {"nazorg_afgesloten"},
       {{"insluiting", "screening", 14}, {"screening", "plan", 7}, {"ontslag", "nazorg", 1}}});
  auto m = load_chain_file(chain_path("detentie-terugkeer.yaml"));
  ASSERT_TRUE(m.ok());
  // The five basic conditions, arranged by the municipality.
  for (const char* id : {"id_geregeld", "onderdak_geregeld", "inkomen_geregeld",
                         "schulden_in_beeld", "zorg_geregeld"}) {
    EXPECT_EQ(m->milestones[m->milestone(id)].stage, m->stage("voorwaarden")) << id;
    EXPECT_TRUE(m->partner_may_report(m->milestone(id), m->partner("gemeente-denbosch"))) << id;
  }
  EXPECT_TRUE(m->partner_may_report(m->milestone("dr_plan_gedeeld"), m->partner("pi-vught")));
  EXPECT_FALSE(m->partner_may_report(m->milestone("id_geregeld"), m->partner("pi-vught")));
  EXPECT_EQ(m->def.stages(m->stage("voorwaarden")).owner(), "gemeente-denbosch");
}

TEST(RealChains, SchuldenWerk) {
  expect_chain({"schulden-werk.yaml",
                "schulden-werk",
                {"signaal", "eerste_gesprek", "plan", "stabilisatie", "schuldregeling", "werkfit",
                 "plaatsing", "duurzaam"},
                11,
                7,
                {"werk_6_maanden"},
                {{"signaal", "eerste_gesprek", 28},
                 {"eerste_gesprek", "plan", 56},
                 {"plan", "stabilisatie", 14},
                 {"stabilisatie", "schuldregeling", 120}}});
  auto m = load_chain_file(chain_path("schulden-werk.yaml"));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->partner_may_report(m->milestone("werk_gevonden"), m->partner("wsp")));
  EXPECT_TRUE(m->partner_may_report(m->milestone("werk_gevonden"), m->partner("werkgever")));
  EXPECT_FALSE(m->partner_may_report(m->milestone("schuldregeling_gestart"), m->partner("wsp")));
}

TEST(RealChains, FolderLoadsAllThreeSortedByFileName) {
  auto chains = load_chains(source_dir() + "/chains");
  ASSERT_TRUE(chains.ok()) << chains.error();
  std::vector<std::string> ids;
  for (const auto& chain : *chains) ids.push_back(chain.def.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"detentie-terugkeer", "schulden-werk", "wonen-eerst"}));
}

}  // namespace
}  // namespace ketenflow::model
