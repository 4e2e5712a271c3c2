// Fixtures shared by the unit tests: a small hand-made chain, civil dates
// computed independently of the engine, and a temporary directory that
// removes itself.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace ketenflow::testing {

// Four stages in chain order (ranks 1..4), `opvang` with two milestones, one
// terminal milestone, two norms.
inline const char* const kTestChainYaml = R"(id: test-keten
name: Testketen
time_zone: Europe/Amsterdam
partners:
  - {id: gemeente, name: Gemeente}
  - {id: opvang, name: Opvang}
  - {id: corporatie, name: Corporatie}
  - {id: begeleiding, name: Begeleiding}
stages:
  - {id: aanmelding, name: Aanmelding, owner: gemeente}
  - {id: opvang, name: Opvang, owner: opvang}
  - {id: woning, name: Woning, owner: corporatie}
  - {id: wonen, name: Wonen, owner: begeleiding}
milestones:
  - {id: aangemeld, name: Aangemeld, stage: aanmelding, partners: [gemeente, opvang]}
  - {id: intake, name: Intake, stage: opvang, partners: [opvang]}
  - {id: geplaatst, name: Geplaatst, stage: opvang, partners: [opvang, gemeente]}
  - {id: woning_toegewezen, name: Woning toegewezen, stage: woning, partners: [corporatie]}
  - {id: gehuisvest, name: Gehuisvest, stage: wonen, partners: [begeleiding], terminal: true}
norms:
  - {from: aanmelding, to: opvang, days: 1}
  - {from: opvang, to: woning, days: 14}
)";

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
constexpr int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// A fresh directory under the test temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "ketenflow-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ketenflow::testing
