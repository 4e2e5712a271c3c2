#include "store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include <rocksdb/env.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "store/aggregate.h"
#include "store/keys.h"

namespace ketenflow::store {
namespace {

constexpr const char* kCfNames[kCfCount] = {"events", "event_ids", "paths",   "kpi",
                                            "wip",    "meta",      "rejects", "outbox"};

// Prefix of a key up to and including its second 0 byte, or the whole key:
// chain·client for events, the whole key for paths and event ids. Lets those
// families use a hash-based memtable, whose inserts do not walk one big
// skip list (the ingest hot spot).
class ClientPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "ketenflow.ClientPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const char* first = static_cast<const char*>(std::memchr(key.data(), 0, key.size()));
    if (first == nullptr) return key;
    const size_t rest = key.size() - (first + 1 - key.data());
    const char* second = static_cast<const char*>(std::memchr(first + 1, 0, rest));
    return second == nullptr ? key : rocksdb::Slice(key.data(), second + 1 - key.data());
  }
  bool InDomain(const rocksdb::Slice& /*key*/) const override { return true; }
};

Error rocks_error(std::string_view what, const rocksdb::Status& status) {
  return Error{std::string(what) + ": " + status.ToString()};
}

// A refused write in words: a full disk says so.
std::string write_failure(const std::string& dir, const rocksdb::Status& status) {
  const bool full =
      status.IsNoSpace() || status.ToString().find("No space left") != std::string::npos;
  return "writing to the store in " + dir + " failed" +
         (full ? " (the disk is full; free space and run the command again: it resumes after the "
                 "last stored batch)"
               : "") +
         ": " + status.ToString();
}

rocksdb::ColumnFamilyOptions family_options(Cf family, const std::shared_ptr<rocksdb::Cache>& cache,
                                            bool read_only) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  switch (family) {
    case Cf::kEventIds:
    case Cf::kPaths:
    case Cf::kEvents:
      // Point lookups (or one client's prefix) on every ingested event: bloom
      // filters make misses cheap, a hash memtable makes inserts cheap.
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.optimize_filters_for_memory = true;
      options.prefix_extractor = std::make_shared<ClientPrefix>();
      // A reader only replays the log tail: the plain skip list is cheaper to
      // set up than a million hash buckets.
      if (!read_only) options.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 20));
      options.memtable_prefix_bloom_size_ratio = 0.05;
      options.write_buffer_size = size_t{64} << 20;
      break;
    case Cf::kKpi:
      options.merge_operator = aggregate_merge_operator();
      break;
    default:
      break;
  }
  options.compression = rocksdb::kLZ4Compression;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

namespace {

// RocksDB's files get 0600 whatever the umask: every file the database
// creates is made through this file system and narrowed right after.
class PrivateFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit PrivateFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : rocksdb::FileSystemWrapper(target) {}
  const char* Name() const override { return "ketenflow.PrivateFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return narrowed(f, target()->NewWritableFile(f, o, r, d));
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* d) override {
    return narrowed(f, target()->ReopenWritableFile(f, o, r, d));
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* d) override {
    return narrowed(f, target()->ReuseWritableFile(f, old, o, r, d));
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return narrowed(f, target()->NewRandomRWFile(f, o, r, d));
  }
  rocksdb::IOStatus LockFile(const std::string& f, const rocksdb::IOOptions& o,
                             rocksdb::FileLock** l, rocksdb::IODebugContext* d) override {
    return narrowed(f, target()->LockFile(f, o, l, d));
  }
  rocksdb::IOStatus NewLogger(const std::string& f, const rocksdb::IOOptions& o,
                              std::shared_ptr<rocksdb::Logger>* r,
                              rocksdb::IODebugContext* d) override {
    return narrowed(f, target()->NewLogger(f, o, r, d));
  }

 private:
  static rocksdb::IOStatus narrowed(const std::string& file, rocksdb::IOStatus status) {
    if (status.ok() && ::chmod(file.c_str(), 0600) != 0) {
      return rocksdb::IOStatus::IOError("cannot make " + file + " private", std::strerror(errno));
    }
    return status;
  }
};

// Read-only opens write no LOG file: a reader leaves the folder as it was.
class SilentLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// The store's LOG for a writer. RocksDB's own logger asserts (and aborts the
// process) when it writes again after a failed write, which a full disk
// makes certain; this one drops what it cannot write. Made 0600; an existing
// LOG becomes LOG.old.<microseconds>, as RocksDB does (it purges old ones).
class StoreLogger : public rocksdb::Logger {
 public:
  static std::shared_ptr<rocksdb::Logger> open(const std::string& dir) {
    const std::string path = dir + "/LOG";
    if (::access(path.c_str(), F_OK) == 0) {
      const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      (void)std::rename(path.c_str(), (path + ".old." + std::to_string(now)).c_str());
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) (void)::fchmod(fd, 0600);
    return std::make_shared<StoreLogger>(fd);
  }
  explicit StoreLogger(int fd) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), fd_(fd) {}
  ~StoreLogger() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[4096];
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
        1000000;
    std::tm local{};
    ::localtime_r(&seconds, &local);
    int n = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06lld ",
                          local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                          local.tm_min, local.tm_sec, static_cast<long long>(micros));
    if (n < 0) return;
    va_list copy;
    va_copy(copy, ap);
    const int m = std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n) - 1, format, copy);
    va_end(copy);
    if (m < 0) return;
    n = std::min<int>(n + m, static_cast<int>(sizeof line) - 2);
    if (line[n - 1] != '\n') line[n++] = '\n';
    (void)!::write(fd_, line, static_cast<size_t>(n));
  }

 private:
  int fd_;
};

// What a folder holds, looked at before RocksDB touches it.
struct FolderContents {
  bool exists = false;
  bool current = false;               // CURRENT
  std::vector<std::string> rocks;     // MANIFEST-*, *.sst, *.log, OPTIONS-*, IDENTITY, LOCK, LOG*
  std::vector<std::string> other;     // anything else but ketenflow's own files
  std::vector<uint64_t> wal_numbers;  // of the *.log files
};

// ketenflow's files that may sit in a store folder before the store exists.
bool own_file(const std::string& name) {
  return name == "tokens" || name == "tokens.tmp" || name == "audit.log";
}

Result<FolderContents> look_into(const std::string& dir) {
  namespace fs = std::filesystem;
  FolderContents found;
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Error{"cannot look into " + dir + ": " + ec.message()};
  }
  if (!fs::exists(status)) return found;
  if (!fs::is_directory(status)) return Error{dir + " is not a folder"};
  found.exists = true;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto numbered = [&](std::string_view suffix) {
      if (!name.ends_with(suffix) || name.size() == suffix.size()) return false;
      return std::all_of(name.begin(), name.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                         [](char c) { return c >= '0' && c <= '9'; });
    };
    if (name == "CURRENT") {
      found.current = true;
    } else if (numbered(".log")) {
      found.rocks.push_back(name);
      found.wal_numbers.push_back(std::stoull(name.substr(0, name.size() - 4)));
    } else if (numbered(".sst") || name.starts_with("MANIFEST-") || name.starts_with("OPTIONS-") ||
               name == "IDENTITY" || name == "LOCK" || name.starts_with("LOG")) {
      found.rocks.push_back(name);
    } else if (!own_file(name)) {
      found.other.push_back(name);
    }
  }
  if (ec) return Error{"cannot list " + dir + ": " + ec.message()};
  std::sort(found.rocks.begin(), found.rocks.end());
  std::sort(found.other.begin(), found.other.end());
  return found;
}

std::string some_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 3; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 3) out += ", … (" + std::to_string(names.size()) + " files)";
  return out;
}

// A store that exists but cannot be opened: what is wrong, and that nothing
// was changed.
Error damaged(const std::string& dir, const std::string& what) {
  return Error{"the store in " + dir + " cannot be opened: " + what +
               "; nothing in the folder was changed (restore it from a backup, or see `ketenflow "
               "check --data " +
               dir + "`)"};
}

// The format version read from meta: an error for a newer or unreadable one.
// `check` opens even when the version cannot be read (a damaged block): it
// names the damaged files itself.
Status check_format(const std::string& dir, rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                    bool paranoid) {
  std::string value;
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), meta,
                                   rocksdb::Slice(kFormatKey.data(), kFormatKey.size()), &value);
  if (status.IsNotFound()) {
    return damaged(dir,
                   "it records no store format version (its MANIFEST may be truncated, or the "
                   "folder holds another program's RocksDB database)");
  }
  if (!status.ok() && paranoid && status.IsCorruption()) return ok_status();
  if (!status.ok()) return damaged(dir, "reading its format version failed: " + status.ToString());
  int version = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (ec != std::errc() || end != value.data() + value.size() || version < 1) {
    return damaged(dir, "its format version \"" + value + "\" is unreadable");
  }
  if (version > kFormatVersion) {
    return Error{"the store in " + dir + " has format version " + value +
                 ", written by a newer ketenflow; this one reads version " +
                 std::to_string(kFormatVersion) + " (use the newer ketenflow)"};
  }
  if (version < kFormatVersion) {
    return Error{"the store in " + dir + " has format version " + value +
                 "; this ketenflow reads "
                 "version " +
                 std::to_string(kFormatVersion)};
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, const StoreOptions& options) {
  const bool read_only = options.mode == StoreOptions::Mode::kReadOnly;
  auto found = look_into(dir);
  if (!found) return Error{found.error()};
  const bool fresh = !found->current && found->rocks.empty() && found->other.empty();
  if (!found->current) {
    if (!found->rocks.empty()) {
      return damaged(
          dir, "its CURRENT file is missing (the folder holds " + some_names(found->rocks) + ")");
    }
    if (!found->other.empty()) {
      return Error{dir + " holds files but no ketenflow store (" + some_names(found->other) +
                   "); give a new or empty folder"};
    }
    if (read_only) {
      return Error{"no ketenflow store in " + dir + " (run `ketenflow ingest --data " + dir +
                   "` first)"};
    }
    std::error_code ec;
    const std::filesystem::path path(dir);
    if (!found->exists) {
      if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
      if (ec) return Error{"cannot create " + dir + ": " + ec.message()};
      if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return Error{"cannot create " + dir + ": " + std::strerror(errno)};
      }
    }
    if (::chmod(dir.c_str(), 0700) != 0) {
      return Error{"cannot make " + dir + " private: " + std::strerror(errno)};
    }
  }

  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->write_options_.sync = options.sync;
  store->env_ =
      rocksdb::NewCompositeEnv(std::make_shared<PrivateFileSystem>(rocksdb::FileSystem::Default()));

  rocksdb::DBOptions db_options;
  db_options.env = store->env_.get();
  db_options.create_if_missing = fresh;
  db_options.error_if_exists = fresh;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = 2;
  // One writer per store; the hash memtables need this off.
  db_options.allow_concurrent_memtable_write = false;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 3;
  // A whole-file checksum of every new table file, in the MANIFEST, for
  // `check` (VerifyFileChecksums).
  db_options.file_checksum_gen_factory = rocksdb::GetFileChecksumGenCrc32cFactory();
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  const auto descriptors = [&](bool reading, const std::vector<std::string>& present) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
    for (int i = 0; i < kCfCount; ++i) {
      if (!present.empty() &&
          std::find(present.begin(), present.end(), kCfNames[i]) == present.end()) {
        continue;
      }
      families.emplace_back(kCfNames[i], family_options(static_cast<Cf>(i), cache, reading));
    }
    return families;
  };

  // A read-only open (while a writer may run) tries a few times before it
  // calls the store damaged; a writer's open is checked once.
  constexpr int kReadOnlyAttempts = 5;
  for (int attempt = 1; !fresh; ++attempt) {
    // Read the existing state first, without writing anything: a read-only
    // open with no LOG file, checked before a writer may touch the folder.
    std::vector<std::string> present;
    rocksdb::DBOptions probe_options = db_options;
    probe_options.info_log = std::make_shared<SilentLogger>();
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(probe_options, dir, &present);
    if (!listed.ok()) return damaged(dir, listed.ToString());
    for (const std::string& name : present) {
      if (name != rocksdb::kDefaultColumnFamilyName &&
          std::find(std::begin(kCfNames), std::end(kCfNames), name) == std::end(kCfNames)) {
        return damaged(dir, "it has a column family \"" + name + "\" no ketenflow store has");
      }
    }
    if (std::find(present.begin(), present.end(), "meta") == present.end()) {
      return damaged(dir, "its MANIFEST lists no meta column family (truncated?)");
    }
    if (read_only && present.size() != static_cast<size_t>(kCfCount) + 1) {
      return Error{"the store in " + dir +
                   " lacks column families of this version; open it once with `ketenflow "
                   "ingest` or `serve`"};
    }
    if (options.paranoid) {
      probe_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    }
    auto families = descriptors(true, present);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* probe = nullptr;
    rocksdb::Status status =
        rocksdb::DB::OpenForReadOnly(probe_options, dir, families, &handles, &probe);
    if (!status.ok()) {
      // A live writer may delete a log or switch MANIFEST while a reader
      // opens: look again before calling the store damaged.
      if (read_only && attempt < kReadOnlyAttempts) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      return damaged(dir, status.ToString());
    }
    std::unique_ptr<rocksdb::DB> owned(probe);
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    for (size_t i = 0; i < families.size(); ++i) {
      if (families[i].name == "meta") meta = handles[i];
    }
    Status checked = check_format(dir, probe, meta, options.paranoid);
    if (checked && !options.allow_incomplete) {
      std::string ignored;
      rocksdb::Status rebuilding = probe->Get(rocksdb::ReadOptions(), meta, "rebuilding", &ignored);
      if (rebuilding.ok()) {
        checked =
            Error{"the store in " + dir +
                  " is incomplete: a rebuild was interrupted; run `ketenflow rebuild --data " +
                  dir + "` again"};
      } else if (!rebuilding.IsNotFound() && !(options.paranoid && rebuilding.IsCorruption())) {
        checked = damaged(dir, rebuilding.ToString());
      }
    }
    if (read_only && checked) {
      store->db_ = std::move(owned);
      store->handles_.assign(handles.begin() + 1, handles.end());
      store->db_->DestroyColumnFamilyHandle(handles[0]);
      return store;
    }
    for (auto* handle : handles) probe->DestroyColumnFamilyHandle(handle);
    owned->Close();
    owned.reset();
    if (!checked && read_only && attempt < kReadOnlyAttempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (!checked) return Error{checked.error()};
    break;
  }

  db_options.info_log = StoreLogger::open(dir);
  auto families = descriptors(false, {});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, dir, families, &handles, &db);
  if (!status.ok()) {
    return fresh ? rocks_error("cannot create a store in " + dir, status)
                 : rocks_error("cannot open the store in " + dir, status);
  }
  store->db_.reset(db);
  // handles[0] is the default family, which ketenflow does not use.
  store->handles_.assign(handles.begin() + 1, handles.end());
  db->DestroyColumnFamilyHandle(handles[0]);
  if (fresh) {
    rocksdb::WriteOptions sync = store->write_options_;
    sync.sync = true;
    status =
        db->Put(sync, store->cf(Cf::kMeta), rocksdb::Slice(kFormatKey.data(), kFormatKey.size()),
                std::to_string(kFormatVersion));
    if (!status.ok()) return rocks_error("cannot write to the new store in " + dir, status);
  }
  return store;
}

Store::~Store() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

Status Store::write(rocksdb::WriteBatch& batch) {
  if (failed_) return Error{"the store in " + dir_ + " takes no more writes after a failed one"};
  rocksdb::Status status = db_->Write(write_options_, &batch);
  if (!status.ok()) {
    failed_ = true;
    return Error{write_failure(dir_, status)};
  }
  return ok_status();
}

Result<std::optional<std::string>> Store::get(Cf family, std::string_view key) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), cf(family), rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return rocks_error("read from store failed", status);
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> Store::multi_get(
    Cf family, const std::vector<std::string>& keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), cf(family), slices.size(), slices.data(), values.data(),
                statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) {
      out[i] = values[i].ToString();
    } else if (!statuses[i].IsNotFound()) {
      return rocks_error("read from store failed", statuses[i]);
    }
  }
  return out;
}

std::unique_ptr<rocksdb::Iterator> Store::iterate(Cf family) const {
  rocksdb::ReadOptions options;
  options.total_order_seek = true;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, cf(family)));
}

std::unique_ptr<rocksdb::Iterator> Store::iterate_client(std::string_view chain_client) const {
  rocksdb::ReadOptions options;
  options.prefix_same_as_start = true;
  auto it = std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, cf(Cf::kEvents)));
  it->Seek(rocksdb::Slice(chain_client.data(), chain_client.size()));
  return it;
}

namespace {
constexpr std::string_view kRebuildingKey = "rebuilding";
}  // namespace

Status Store::begin_rebuild(const std::vector<Cf>& families) {
  rocksdb::WriteOptions sync = write_options_;
  sync.sync = true;
  rocksdb::Status mark = db_->Put(sync, cf(Cf::kMeta), kRebuildingKey, "");
  if (!mark.ok()) return Error{write_failure(dir_, mark)};
  for (Cf family : families) {
    auto it = iterate(family);
    it->SeekToFirst();
    if (!it->status().ok()) return rocks_error("reading the store failed", it->status());
    if (!it->Valid()) continue;
    const std::string first = it->key().ToString();
    it->SeekToLast();
    std::string end = it->key().ToString();
    end.push_back('\0');  // one past the last key
    rocksdb::Status status = db_->DeleteRange(write_options_, cf(family), first, end);
    if (!status.ok()) return Error{write_failure(dir_, status)};
  }
  return ok_status();
}

Status Store::flush() {
  rocksdb::Status status = db_->Flush(rocksdb::FlushOptions(), handles_);
  if (!status.ok()) return Error{write_failure(dir_, status)};
  return ok_status();
}

Status Store::settle() {
  if (auto flushed = flush(); !flushed) return flushed;
  rocksdb::Status status =
      db_->CompactRange(rocksdb::CompactRangeOptions(), cf(Cf::kKpi), nullptr, nullptr);
  if (!status.ok()) return Error{write_failure(dir_, status)};
  return ok_status();
}

void Store::finish_rebuild(rocksdb::WriteBatch& batch) const {
  batch.Delete(cf(Cf::kMeta), kRebuildingKey);
}

}  // namespace ketenflow::store
