// Storage faults through the binary: a damaged store (truncated MANIFEST,
// missing CURRENT, a flipped byte in a table file, a newer format) is refused
// by every command with a message naming the folder and nothing in it
// changes; `check` finds damage and disagreement; a full disk ends ingest
// cleanly and a rerun after freeing space ends byte-identical; store files
// are private; one broken file among several does not stop the others.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "store/keys.h"
#include "store/store.h"

namespace ketenflow {
namespace {

namespace fs = std::filesystem;
using it::Ok;
using it::parse_counts;

it::RunResult ingest(const std::string& data, const std::vector<std::string>& files,
                     const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"ingest", "--quiet", "--data", data, "--chains", it::wonen_eerst()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), files.begin(), files.end());
  return it::ketenflow(args);
}

// Every file of a folder with its content.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files[entry.path().filename().string()] = it::read_file(entry.path());
  }
  return files;
}

std::vector<std::string> names_of(const std::map<std::string, std::string>& files) {
  std::vector<std::string> names;
  for (const auto& [name, content] : files) names.push_back(name);
  return names;
}

std::vector<fs::path> files_ending(const std::string& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().string().ends_with(suffix)) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A store of 200 simulated clients in tmp/"store" (its events in tmp/"sim.ndjson").
std::string make_store(const it::TempDir& tmp) {
  EXPECT_TRUE(Ok(it::simulate(tmp / "sim.ndjson", 200, 3)));
  EXPECT_TRUE(Ok(ingest(tmp / "store", {tmp / "sim.ndjson"})));
  return tmp / "store";
}

// status, kpi, path and ingest on a damaged store: each fails with a message
// naming the folder (`opening`: as "the store in DATA cannot be opened") and
// `what`, and leaves every file as it was.
void expect_refused_untouched(const it::TempDir& tmp, const std::string& data,
                              const std::string& what, bool opening = true) {
  const auto before = snapshot(data);
  const std::vector<std::vector<std::string>> commands = {
      {"status", "--data", data},
      {"kpi", "--data", data, "--chain", "wonen-eerst", "--format", "json"},
      {"path", "--data", data, "--chain", "wonen-eerst", "--client", "c-1"},
      {"ingest", "--quiet", "--data", data, "--chains", it::wonen_eerst(), tmp / "sim.ndjson"},
  };
  for (const auto& args : commands) {
    const it::RunResult r = it::ketenflow(args);
    EXPECT_TRUE(r.exited()) << r.describe();
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(
        r.err.find(opening ? "ketenflow: the store in " + data + " cannot be opened: " : data),
        std::string::npos)
        << r.describe();
    EXPECT_NE(r.err.find(what), std::string::npos) << r.describe();
    EXPECT_EQ(r.out.find("accepted"), std::string::npos) << r.describe();
  }
  const auto after = snapshot(data);
  EXPECT_EQ(names_of(before), names_of(after));
  EXPECT_TRUE(before == after) << "file contents changed";
}

TEST(StorageFaults, TruncatedManifestIsRefusedByEveryCommandAndNothingChanges) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  const auto manifests = files_ending(data, "");
  fs::path manifest;
  for (const auto& f : manifests) {
    if (f.filename().string().starts_with("MANIFEST-")) manifest = f;
  }
  ASSERT_FALSE(manifest.empty());
  const auto size = fs::file_size(manifest);
  ASSERT_GT(size, 200u);
  // Cut in the middle: RocksDB alone would take the shorter MANIFEST as a
  // torn tail, open an older (here: empty) state and delete the newer tables.
  for (uintmax_t keep : {size / 2, uintmax_t{120}}) {
    SCOPED_TRACE("MANIFEST cut to " + std::to_string(keep) + " bytes");
    it::TempDir copy;
    fs::copy(data, copy / "store", fs::copy_options::recursive);
    fs::resize_file(fs::path(copy / "store") / manifest.filename(), keep);
    expect_refused_untouched(tmp, copy / "store", "nothing in the folder was changed");
  }
}

TEST(StorageFaults, MissingCurrentIsRefusedNotTakenForANewStore) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  fs::remove(fs::path(data) / "CURRENT");
  expect_refused_untouched(tmp, data, "CURRENT file is missing");
}

TEST(StorageFaults, FlippedByteInTableFilesIsRefusedAndCheckNamesTheFile) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  const auto tables = files_ending(data, ".sst");
  ASSERT_FALSE(tables.empty());
  // One byte inside the first data block of every table file.
  for (const fs::path& table : tables) {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(40);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(40);
    f.write(&c, 1);
  }
  // Found when the damaged block is read (RocksDB checks every block it
  // reads), with the file's name.
  expect_refused_untouched(tmp, data, "Corruption", /*opening=*/false);
  const it::RunResult check = it::ketenflow({"check", "--quiet", "--data", data});
  EXPECT_EQ(check.exit_code, 1) << check.describe();
  EXPECT_NE(check.err.find(tables[0].string()), std::string::npos) << check.describe();
  EXPECT_NE(check.err.find("Corruption"), std::string::npos) << check.describe();
}

TEST(StorageFaults, NewerFormatVersionIsRefused) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  {
    auto store = store::Store::open(data, {});
    ASSERT_TRUE(store.ok()) << store.error();
    rocksdb::WriteBatch batch;
    batch.Put((*store)->cf(store::Cf::kMeta),
              rocksdb::Slice(store::kFormatKey.data(), store::kFormatKey.size()),
              std::to_string(store::kFormatVersion + 1));
    ASSERT_TRUE((*store)->write(batch).ok());
  }
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"status", "--data", data},
                                             {"kpi", "--data", data, "--chain", "wonen-eerst"},
                                             {"check", "--data", data},
                                             {"ingest", "--quiet", "--data", data, "--chains",
                                              it::wonen_eerst(), tmp / "sim.ndjson"}}) {
    const it::RunResult r = it::ketenflow(args);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("has format version " + std::to_string(store::kFormatVersion + 1) +
                         ", written by a newer ketenflow"),
              std::string::npos)
        << r.describe();
  }
}

TEST(StorageFaults, FolderWithOtherFilesIsRefusedAndOneWithOnlyTokensGetsAStore) {
  it::TempDir tmp;
  ASSERT_TRUE(Ok(it::simulate(tmp / "sim.ndjson", 20, 3)));
  fs::create_directory(tmp / "notes");
  it::write_file(tmp / "notes/todo.txt", "not a store\n");
  const it::RunResult r = ingest(tmp / "notes", {tmp / "sim.ndjson"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("holds files but no ketenflow store (todo.txt)"), std::string::npos)
      << r.describe();
  EXPECT_EQ(names_of(snapshot(tmp / "notes")), std::vector<std::string>{"todo.txt"});

  // The demo adds API tokens before the first ingest.
  fs::create_directory(tmp / "fresh");
  ASSERT_TRUE(Ok(it::ketenflow(
      {"tokens", "add", "--file", tmp / "fresh/tokens", "--name", "anna", "--role", "admin"})));
  EXPECT_TRUE(Ok(ingest(tmp / "fresh", {tmp / "sim.ndjson"})));
}

TEST(StorageFaults, StoreFilesAndFolderArePrivateWhateverTheUmask) {
  it::TempDir tmp;
  ASSERT_TRUE(Ok(it::simulate(tmp / "sim.ndjson", 50, 3)));
  const mode_t old = ::umask(0);
  const it::RunResult in = ingest(tmp / "a/store", {tmp / "sim.ndjson"});
  const it::RunResult token = it::ketenflow(
      {"tokens", "add", "--file", tmp / "a/store/tokens", "--name", "anna", "--role", "admin"});
  ::umask(old);
  ASSERT_TRUE(Ok(in));
  ASSERT_TRUE(Ok(token));
  EXPECT_EQ(fs::status(tmp / "a/store").permissions(), fs::perms::owner_all);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(tmp / "a/store")) {
    ++files;
    EXPECT_EQ(entry.status().permissions(), fs::perms::owner_read | fs::perms::owner_write)
        << entry.path();
  }
  EXPECT_GT(files, 5u);
}

TEST(StoreCheck, CleanStorePassesWithASummary) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  const it::RunResult r = it::ketenflow({"check", "--data", data});
  ASSERT_TRUE(Ok(r));
  EXPECT_NE(r.out.find(data + ": ok: "), std::string::npos) << r.out;
  const auto counts = parse_counts(ingest(tmp / "again", {tmp / "sim.ndjson"}).out);
  EXPECT_NE(r.out.find(" " + std::to_string(counts.accepted) + " events, "), std::string::npos)
      << r.out;
}

TEST(StoreCheck, DeletedEventIdEntryAndChangedCounterAreNamed) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  {
    auto store = store::Store::open(data, {});
    ASSERT_TRUE(store.ok()) << store.error();
    auto it = (*store)->iterate(store::Cf::kEventIds);
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const std::string key = it->key().ToString();
    const std::string event_id = key.substr(key.find('\0') + 1);
    rocksdb::WriteBatch batch;
    batch.Delete((*store)->cf(store::Cf::kEventIds), key);
    ASSERT_TRUE((*store)->write(batch).ok());
    it.reset();
    const it::RunResult r = it::ketenflow({"check", "--quiet", "--data", data});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("event " + event_id + " of chain wonen-eerst has no event-id entry"),
              std::string::npos)
        << r.describe();
    EXPECT_NE(r.err.find("event-id entries for"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("is damaged"), std::string::npos) << r.describe();
  }
}

TEST(StoreCheck, PathWithoutEventsAndKpiChangedBehindItsBackAreNamed) {
  it::TempDir tmp;
  const std::string data = make_store(tmp);
  {
    auto store = store::Store::open(data, {});
    ASSERT_TRUE(store.ok()) << store.error();
    rocksdb::WriteBatch batch;
    batch.Put((*store)->cf(store::Cf::kPaths), store::path_key("wonen-eerst", "c-ghost"), "");
    auto kpi = (*store)->iterate(store::Cf::kKpi);
    kpi->SeekToFirst();
    ASSERT_TRUE(kpi->Valid());
    batch.Delete((*store)->cf(store::Cf::kKpi), kpi->key());
    kpi.reset();
    ASSERT_TRUE((*store)->write(batch).ok());
  }
  const it::RunResult r = it::ketenflow({"check", "--quiet", "--data", data});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("(some paths have no events)"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("of chain wonen-eerst on "), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("is missing"), std::string::npos) << r.describe();
}

// A small tmpfs, mounted for the test and unmounted after it.
class SmallDisk {
 public:
  explicit SmallDisk(std::string dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    const it::RunResult r = it::run({"mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir_});
    mounted_ = r.exit_code == 0;
    why_ = r.err;
  }
  ~SmallDisk() {
    if (mounted_) (void)it::run({"umount", dir_});
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  bool grow() { return it::run({"mount", "-o", "remount,size=512m", dir_}).exit_code == 0; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

TEST(StorageFaults, FullDiskEndsIngestCleanlyAndARerunAfterFreeingSpaceIsIdentical) {
  it::TempDir tmp;
  SmallDisk disk(tmp / "small");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.why();
  ASSERT_TRUE(Ok(it::simulate(tmp / "sim.ndjson", 4000, 11)));
  ASSERT_TRUE(Ok(ingest(tmp / "normal", {tmp / "sim.ndjson"}, {"--batch", "2000"})));

  const std::string data = tmp / "small/store";
  const it::RunResult full = ingest(data, {tmp / "sim.ndjson"}, {"--batch", "2000"});
  ASSERT_TRUE(full.exited()) << full.describe();
  ASSERT_EQ(full.exit_code, 1) << full.describe();
  EXPECT_NE(
      full.err.find("ketenflow: writing to the store in " + data + " failed (the disk is full"),
      std::string::npos)
      << full.describe();
  // What was written before stays readable.
  EXPECT_TRUE(Ok(it::ketenflow({"status", "--data", data})));

  ASSERT_TRUE(disk.grow());
  ASSERT_TRUE(Ok(ingest(data, {tmp / "sim.ndjson"}, {"--batch", "2000"})));
  for (const auto& view : std::vector<std::vector<std::string>>{
           {"status", "--format", "json"},
           {"status"},
           {"kpi", "--chain", "wonen-eerst", "--format", "json", "--today", "2025-03-01"},
           {"kpi", "--chain", "wonen-eerst", "--format", "csv", "--by", "month"}}) {
    std::vector<std::string> want_args = view, got_args = view;
    want_args.insert(want_args.begin() + 1, {"--data", tmp / "normal"});
    got_args.insert(got_args.begin() + 1, {"--data", data});
    const it::RunResult want = it::ketenflow(want_args);
    const it::RunResult got = it::ketenflow(got_args);
    ASSERT_TRUE(Ok(want));
    ASSERT_TRUE(Ok(got));
    EXPECT_TRUE(it::SameText(view[0], want.out, got.out));
  }
  EXPECT_TRUE(Ok(it::ketenflow({"check", "--quiet", "--data", data})));
}

TEST(BrokenFiles, OneBrokenFileAmongSeveralLeavesTheOthersIngested) {
  it::TempDir tmp;
  // Good NDJSON, a truncated XES log, a good CSV: three separate sets of clients.
  ASSERT_TRUE(Ok(it::simulate(tmp / "a.ndjson", 30, 1)));
  ASSERT_TRUE(Ok(it::simulate(tmp / "b.ndjson", 30, 2)));
  ASSERT_TRUE(Ok(ingest(tmp / "b", {tmp / "b.ndjson"})));
  ASSERT_TRUE(Ok(it::ketenflow(
      {"export", "--data", tmp / "b", "--chain", "wonen-eerst", "--output", tmp / "b.xes"})));
  const std::string xes = it::read_file(tmp / "b.xes");
  it::write_file(tmp / "broken.xes", xes.substr(0, xes.size() / 2));
  it::write_file(tmp / "c.csv",
                 "case:concept:name,concept:name,time:timestamp,org:group\n"
                 "c-csv-1,aanmelding,2024-03-01T09:00:00Z,gemeente-denbosch\n"
                 "c-csv-1,intake,2024-03-02T09:00:00Z,mo-denbosch\n");

  const it::RunResult r =
      ingest(tmp / "store", {tmp / "a.ndjson", tmp / "broken.xes", tmp / "c.csv"},
             {"--chain", "wonen-eerst"});
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("ketenflow: " + (tmp / "broken.xes") + ":"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find("1 of 3 files could not be read to their end: " + (tmp / "broken.xes")),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find(tmp / "c.csv" + ": accepted 2, duplicates 0, rejected 0"), std::string::npos)
      << r.describe();

  // The good files are in: the same store as ingesting only them.
  ASSERT_TRUE(
      Ok(ingest(tmp / "good", {tmp / "a.ndjson", tmp / "c.csv"}, {"--chain", "wonen-eerst"})));
  it::expect_same_kpis("good files", it::kpi_outputs(tmp / "good"), it::kpi_outputs(tmp / "store"));
}

}  // namespace
}  // namespace ketenflow
