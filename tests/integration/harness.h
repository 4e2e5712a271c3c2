// Integration-test harness: drives the real `ketenflow` binary as a user
// would (fork/exec, no shell) and captures what it prints.
//
// Environment (set by ctest, see CMakeLists.txt):
//   KETENFLOW_BIN          the ketenflow binary
//   KETENFLOW_SOURCE_DIR   the repository root (chains/, tests/data/)
//   KETENFLOW_KEEP_TMP     when set, temporary folders are kept for inspection
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ketenflow::it {

struct RunResult {
  std::vector<std::string> argv;
  std::string out;
  std::string err;
  // Exit status when the process exited, else -1.
  int exit_code = -1;
  // Signal that ended the process, else 0.
  int signal = 0;
  // The harness killed it because it ran past its timeout.
  bool timed_out = false;
  std::chrono::duration<double> elapsed{0};

  bool exited() const { return exit_code >= 0; }
  // "exit 0" / "signal 9"; plus the command line and what it printed, for
  // assertion messages.
  std::string describe() const;
};

// Runs `argv` (argv[0] looked up in PATH when it has no slash) with stdin from
// /dev/null, capturing stdout and stderr. Kills it with SIGKILL after
// `timeout`.
RunResult run(const std::vector<std::string>& argv,
              std::chrono::milliseconds timeout = std::chrono::minutes(5));

// run() of the ketenflow binary: `args` are the arguments after the program.
RunResult ketenflow(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::minutes(5));

// Starts `argv` in the background and sends it SIGKILL after `delay`, unless it
// ended before. `killed` tells which happened.
struct KillResult {
  RunResult result;
  bool killed = false;  // it was still running at `delay` and died of SIGKILL
};
KillResult run_and_kill_after(const std::vector<std::string>& argv,
                              std::chrono::microseconds delay);

// A fresh folder (mkdtemp under $TMPDIR or /tmp), removed with everything in it
// when the object goes (unless KETENFLOW_KEEP_TMP is set).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  std::string operator/(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, std::string_view data);

// Lines of `text` without their '\n' (a last line without one included).
std::vector<std::string> split_lines(std::string_view text);
// Lines joined, each followed by '\n'.
std::string join_lines(const std::vector<std::string>& lines);
// RFC 4180 rows of `text`: quoted fields may hold separators, quotes ("")
// and line breaks; lines end in LF or CRLF; blank lines are skipped.
std::vector<std::vector<std::string>> csv_rows(std::string_view text, char separator = ',');

// The ketenflow binary (KETENFLOW_BIN) and the repository root
// (KETENFLOW_SOURCE_DIR); when a variable is unset, the place CMake would
// have set it to.
// Throw std::runtime_error (a failed test) when neither exists.
// Success when the command exited 0, else its description.
testing::AssertionResult Ok(const RunResult& r);
// Equal texts, or the first differing line with its neighbourhood.
testing::AssertionResult SameText(const std::string& what, const std::string& want,
                                  const std::string& got);

// The counts `ingest` prints: the first "accepted N, duplicates N, rejected N
// (code n, …)" in `out`.
struct Counts {
  bool found = false;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  std::map<std::string, uint64_t> by_code;
};
Counts parse_counts(const std::string& out);

// chains/wonen-eerst.yaml, and `ketenflow simulate` of it into `out`.
std::string wonen_eerst();
RunResult simulate(const std::string& out, int clients, int seed,
                   const std::vector<std::string>& extra = {});

// `ketenflow kpi --data DATA --chain CHAIN EXTRA...`.
RunResult kpi(const std::string& data, const std::string& chain,
              const std::vector<std::string>& extra);
// The KPI views stores are compared on (json and csv, total and by month,
// completion and cohort view of the chain measures, --today 2025-03-01), by
// name; a failed query is a test failure and an empty text.
std::map<std::string, std::string> kpi_outputs(const std::string& data,
                                               const std::string& chain = "wonen-eerst");
// Every view of `want` equals the same view of `got`, byte for byte.
void expect_same_kpis(const std::string& label, const std::map<std::string, std::string>& want,
                      const std::map<std::string, std::string>& got);

std::string bin();
std::string source_dir();
// source_dir()/tests/data/<name>: test data kept in the repository (see
// tests/data/PROVENANCE.md). Throws std::runtime_error (a failed test, never a
// skip) when the file is missing.
std::string test_data(std::string_view name);
// source_dir()/chains/<name>
std::string chain_file(std::string_view name);

}  // namespace ketenflow::it
