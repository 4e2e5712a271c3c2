#include "store/store.h"

#include <cstring>
#include <filesystem>

#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "store/aggregate.h"

namespace ketenflow::store {
namespace {

constexpr std::string_view kSchemaVersion = "1";

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

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, const StoreOptions& options) {
  const bool read_only = options.mode == StoreOptions::Mode::kReadOnly;
  std::error_code ec;
  if (read_only) {
    if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
      return Error{"no ketenflow store in " + dir + " (run `ketenflow ingest --data " + dir +
                   "` first)"};
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{"cannot create " + dir + ": " + ec.message()};
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // One writer per store; the hash memtables need this off.
  db_options.allow_concurrent_memtable_write = false;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 3;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < kCfCount; ++i) {
    families.emplace_back(kCfNames[i], family_options(static_cast<Cf>(i), cache, read_only));
  }

  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->write_options_.sync = options.sync;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &db)
                : rocksdb::DB::Open(db_options, dir, families, &handles, &db);
  if (!status.ok()) return rocks_error("cannot open store " + dir, status);
  store->db_.reset(db);
  // handles[0] is the default family, which ketenflow does not use.
  store->handles_.assign(handles.begin() + 1, handles.end());
  db->DestroyColumnFamilyHandle(handles[0]);
  // Schema version of the stored records; a newer store is not read.
  std::string schema;
  if (db->Get(rocksdb::ReadOptions(), store->cf(Cf::kMeta), "schema", &schema).ok()) {
    if (schema != kSchemaVersion) {
      return Error{"the store in " + dir + " has schema version " + schema +
                   "; this ketenflow reads version " + std::string(kSchemaVersion)};
    }
  } else if (!read_only) {
    rocksdb::Status status =
        db->Put(store->write_options_, store->cf(Cf::kMeta), "schema", std::string(kSchemaVersion));
    if (!status.ok()) return rocks_error("cannot write to store " + dir, status);
  }
  if (!options.allow_incomplete) {
    std::string ignored;
    if (db->Get(rocksdb::ReadOptions(), store->cf(Cf::kMeta), "rebuilding", &ignored).ok()) {
      return Error{"the store in " + dir +
                   " is incomplete: a rebuild was interrupted; run `ketenflow rebuild --data " +
                   dir + "` again"};
    }
  }
  return store;
}

Store::~Store() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

Status Store::write(rocksdb::WriteBatch& batch) {
  rocksdb::Status status = db_->Write(write_options_, &batch);
  if (!status.ok()) return rocks_error("write to store failed", status);
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
  if (!mark.ok()) return rocks_error("marking the rebuild failed", mark);
  for (Cf family : families) {
    auto it = iterate(family);
    it->SeekToFirst();
    if (!it->Valid()) continue;
    const std::string first = it->key().ToString();
    it->SeekToLast();
    std::string end = it->key().ToString();
    end.push_back('\0');  // one past the last key
    rocksdb::Status status = db_->DeleteRange(write_options_, cf(family), first, end);
    if (!status.ok()) return rocks_error("clearing store failed", status);
  }
  return ok_status();
}

Status Store::flush() {
  rocksdb::Status status = db_->Flush(rocksdb::FlushOptions(), handles_);
  if (!status.ok()) return rocks_error("flushing store failed", status);
  return ok_status();
}

Status Store::settle() {
  if (auto flushed = flush(); !flushed) return flushed;
  rocksdb::Status status =
      db_->CompactRange(rocksdb::CompactRangeOptions(), cf(Cf::kKpi), nullptr, nullptr);
  if (!status.ok()) return rocks_error("compacting KPIs failed", status);
  return ok_status();
}

void Store::finish_rebuild(rocksdb::WriteBatch& batch) const {
  batch.Delete(cf(Cf::kMeta), kRebuildingKey);
}

}  // namespace ketenflow::store
