#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace ketenflow::it {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "integration harness: %s\n", what.c_str());
  std::abort();
}

// The variable, else `fallback()` when that names an existing path.
//
// The fallbacks matter: gtest_discover_tests (CMake 3.25) splits a
// list-valued ENVIRONMENT property, so of the two variables set in
// CMakeLists.txt only the first reaches the tests.
template <typename Fallback>
std::string env_or(const char* name, Fallback fallback) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  const std::filesystem::path guess = fallback();
  std::error_code ec;
  if (!guess.empty() && std::filesystem::exists(guess, ec)) {
    return std::filesystem::weakly_canonical(guess, ec).string();
  }
  throw std::runtime_error(std::string(name) +
                           " is not set (run the integration tests through ctest)");
}

// Runs argv; SIGKILLs it at `kill_at` (if set) or at `deadline`.
RunResult spawn(const std::vector<std::string>& argv, Clock::time_point kill_at,
                Clock::time_point deadline, bool* killed_at_request) {
  RunResult result;
  result.argv = argv;
  if (argv.empty()) die("empty command");
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    die(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const auto started = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::close(devnull);
    }
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execvp(args[0], args.data());
    const char msg[] = "integration harness: exec failed\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool sent_kill = false;
  char buffer[65536];
  while (open_fds > 0) {
    const auto now = Clock::now();
    if (!sent_kill && (now >= kill_at || now >= deadline)) {
      ::kill(pid, SIGKILL);
      sent_kill = true;
      if (now >= deadline) result.timed_out = true;
    }
    int wait_ms = -1;
    if (!sent_kill) {
      // Round up: waking a little late is fine, spinning before the moment is not.
      const auto us =
          std::chrono::duration_cast<std::chrono::microseconds>(std::min(kill_at, deadline) - now)
              .count();
      wait_ms = static_cast<int>(std::min<int64_t>((us + 999) / 1000, 60'000));
    }
    const int n = ::poll(fds, 2, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      die(std::string("poll: ") + std::strerror(errno));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) die(std::string("waitpid: ") + std::strerror(errno));
  }
  result.elapsed = Clock::now() - started;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (killed_at_request != nullptr) {
    *killed_at_request = sent_kill && !result.timed_out && result.signal == SIGKILL;
  }
  return result;
}

}  // namespace

std::string RunResult::describe() const {
  std::ostringstream s;
  s << "$";
  for (const std::string& a : argv) s << " " << a;
  s << "\n  -> ";
  if (timed_out) s << "timed out, ";
  if (exited()) {
    s << "exit " << exit_code;
  } else {
    s << "signal " << signal;
  }
  s << " after " << elapsed.count() << " s";
  const auto excerpt = [](const std::string& text) {
    return text.size() <= 4000
               ? text
               : text.substr(0, 4000) + "\n  …(" + std::to_string(text.size()) + " bytes)";
  };
  s << "\n  stdout: " << excerpt(out) << "\n  stderr: " << excerpt(err);
  return s.str();
}

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  return spawn(argv, Clock::time_point::max(), deadline, nullptr);
}

RunResult ketenflow(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, timeout);
}

KillResult run_and_kill_after(const std::vector<std::string>& argv,
                              std::chrono::microseconds delay) {
  KillResult k;
  const auto now = Clock::now();
  k.result = spawn(argv, now + delay, now + std::chrono::minutes(5), &k.killed);
  return k;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = (base != nullptr && *base != '\0') ? base : "/tmp";
  pattern += "/ketenflow-it-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) die("mkdtemp " + pattern + ": " + std::strerror(errno));
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (std::getenv("KETENFLOW_KEEP_TMP") != nullptr) {
    std::fprintf(stderr, "integration harness: kept %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::operator/(std::string_view name) const { return (path_ / name).string(); }

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& file, std::string_view data) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + file.string());
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("writing " + file.string() + " failed");
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

std::vector<std::vector<std::string>> csv_rows(std::string_view text, char separator) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == separator) {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string bin() {
  // Beside the test binary, as CMake builds both into one folder.
  return env_or("KETENFLOW_BIN", [] {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : self.parent_path() / "ketenflow";
  });
}

std::string source_dir() {
  // CMake compiles the source tree's path in (KETENFLOW_SOURCE_ROOT).
  return env_or("KETENFLOW_SOURCE_DIR",
                [] { return std::filesystem::path(KETENFLOW_SOURCE_ROOT); });
}

std::string test_data(std::string_view name) {
  const std::filesystem::path path = std::filesystem::path(source_dir()) / "tests" / "data" / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error("test data " + path.string() + " is missing");
  }
  return path.string();
}
std::string chain_file(std::string_view name) {
  return (std::filesystem::path(source_dir()) / "chains" / name).string();
}

testing::AssertionResult Ok(const RunResult& r) {
  if (r.exited() && r.exit_code == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << r.describe();
}

testing::AssertionResult SameText(const std::string& what, const std::string& want,
                                  const std::string& got) {
  if (want == got) return testing::AssertionSuccess();
  const auto la = split_lines(want);
  const auto lb = split_lines(got);
  size_t i = 0;
  while (i < la.size() && i < lb.size() && la[i] == lb[i]) ++i;
  auto failure = testing::AssertionFailure();
  failure << what << " differs (" << want.size() << " vs " << got.size() << " bytes, " << la.size()
          << " vs " << lb.size() << " lines); first difference at line " << (i + 1) << ":\n";
  const auto cut = [](const std::string& s) { return s.size() > 400 ? s.substr(0, 400) : s; };
  for (size_t j = (i >= 2 ? i - 2 : 0); j < i + 3; ++j) {
    failure << "  " << (j + 1) << " want: " << (j < la.size() ? cut(la[j]) : "<none>") << "\n";
    failure << "  " << (j + 1) << " got:  " << (j < lb.size() ? cut(lb[j]) : "<none>") << "\n";
  }
  return failure;
}

Counts parse_counts(const std::string& out) {
  static const std::regex summary(
      R"(accepted (\d+), duplicates (\d+), rejected (\d+)(?: \(([^)]*)\))?)");
  Counts c;
  std::smatch m;
  if (!std::regex_search(out, m, summary)) return c;
  c.found = true;
  c.accepted = std::stoull(m[1]);
  c.duplicates = std::stoull(m[2]);
  c.rejected = std::stoull(m[3]);
  if (c.rejected > 0 && m[4].matched) {
    static const std::regex pair(R"(([a-z0-9_]+) (\d+))");
    const std::string codes = m[4];
    for (auto p = std::sregex_iterator(codes.begin(), codes.end(), pair);
         p != std::sregex_iterator(); ++p) {
      c.by_code[(*p)[1]] = std::stoull((*p)[2]);
    }
  }
  return c;
}

std::string wonen_eerst() { return chain_file("wonen-eerst.yaml"); }

RunResult simulate(const std::string& out, int clients, int seed,
                   const std::vector<std::string>& extra) {
  std::vector<std::string> args{"simulate",
                                "--chain",
                                wonen_eerst(),
                                "--clients",
                                std::to_string(clients),
                                "--seed",
                                std::to_string(seed),
                                "--out",
                                out};
  args.insert(args.end(), extra.begin(), extra.end());
  return ketenflow(args);
}

RunResult kpi(const std::string& data, const std::string& chain,
              const std::vector<std::string>& extra) {
  std::vector<std::string> args{"kpi", "--data", data, "--chain", chain};
  args.insert(args.end(), extra.begin(), extra.end());
  return ketenflow(args);
}

std::map<std::string, std::string> kpi_outputs(const std::string& data, const std::string& chain) {
  // A fixed --today: chain measures (open, overdue, provisional) depend on it.
  static const std::vector<std::pair<std::string, std::vector<std::string>>> views = {
      {"json", {"--format", "json", "--today", "2025-03-01"}},
      {"json by month", {"--format", "json", "--by", "month", "--today", "2025-03-01"}},
      {"csv", {"--format", "csv", "--today", "2025-03-01"}},
      {"csv by month", {"--format", "csv", "--by", "month", "--today", "2025-03-01"}},
      {"json cohort by month",
       {"--format", "json", "--by", "month", "--view", "cohort", "--today", "2025-03-01"}},
      {"csv cohort", {"--format", "csv", "--view", "cohort", "--today", "2025-03-01"}},
  };
  std::map<std::string, std::string> out;
  for (const auto& [name, args] : views) {
    const RunResult r = kpi(data, chain, args);
    EXPECT_TRUE(Ok(r)) << "kpi view " << name;
    EXPECT_FALSE(r.out.empty()) << "kpi view " << name;
    out[name] = r.out;
  }
  return out;
}

void expect_same_kpis(const std::string& label, const std::map<std::string, std::string>& want,
                      const std::map<std::string, std::string>& got) {
  for (const auto& [name, text] : want) {
    const auto found = got.find(name);
    ASSERT_NE(found, got.end()) << name;
    EXPECT_TRUE(SameText(label + ", kpi " + name, text, found->second));
  }
}

}  // namespace ketenflow::it
