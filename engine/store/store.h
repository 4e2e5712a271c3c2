// Store: one engine instance's RocksDB database and its column families.
//
// Column families and their keys are documented in docs/design.md
// ("Storage") and built by store/keys.h. Writes go through write(), which
// applies one WriteBatch atomically across all column families — the engine
// puts events, paths, KPI deltas, rejects and the source position in one batch
// so that a crash can never separate state from input position.
//
// A Store opened read-write is owned by one writer thread. Reads are
// thread-safe. A read-only Store (Mode::kReadOnly) may be opened by another
// process while a writer runs; it sees the state as of its opening.
//
// A folder that holds a store opens as that store or not at all: open() makes
// a new store only in a missing or empty folder (or one holding only the API
// token file and audit log); a folder with RocksDB files whose state cannot
// be read whole (CURRENT missing, MANIFEST truncated, a write-ahead log the
// MANIFEST needs gone, no format version, a damaged table) is an error naming
// the folder and what is wrong, and nothing in it is changed. The store's
// format version (meta kFormatKey) is checked on every open; a newer one is
// refused. Every file and the folder itself are private (0600 / 0700),
// whatever the umask.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "model/result.h"

namespace ketenflow::store {

// The store format this ketenflow writes and reads.
inline constexpr int kFormatVersion = 1;

enum class Cf { kEvents, kEventIds, kPaths, kKpi, kWip, kMeta, kRejects, kOutbox };
inline constexpr int kCfCount = 8;

struct StoreOptions {
  enum class Mode { kReadWrite, kReadOnly };
  Mode mode = Mode::kReadWrite;
  // fsync the WAL on every batch (survives a machine crash, not only a
  // process crash).
  bool sync = false;
  // Block cache for reads of paths and event ids.
  size_t block_cache_bytes = size_t{256} << 20;
  // Open even when an interrupted rebuild left the projections incomplete
  // (only rebuild itself does this).
  bool allow_incomplete = false;
  // Read-only opens for `check`: read the write-ahead log strictly (a corrupt
  // record before its end is an error), and open even when a damaged block
  // hides the format version (check reports it).
  bool paranoid = false;
};

class Store {
 public:
  // Opens (creating when read-write) the store in `dir`.
  static Result<std::unique_ptr<Store>> open(const std::string& dir, const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf family) const { return handles_[static_cast<int>(family)]; }

  // Applies `batch` atomically (WAL on; fsync when StoreOptions::sync). After
  // a failed write (disk full, I/O error) the store takes no more writes:
  // the writer must stop; what earlier writes stored stays intact.
  Status write(rocksdb::WriteBatch& batch);
  // The value at `key`, or nullopt when absent.
  Result<std::optional<std::string>> get(Cf family, std::string_view key) const;
  // Values for many keys of one family, in the order of `keys`.
  Result<std::vector<std::optional<std::string>>> multi_get(
      Cf family, const std::vector<std::string>& keys) const;
  // Iterates a whole family in key order.
  std::unique_ptr<rocksdb::Iterator> iterate(Cf family) const;
  // The events of one client (prefix from keys.h client_prefix(chain, client)),
  // positioned at the first; cheaper than a full-order iterator.
  std::unique_ptr<rocksdb::Iterator> iterate_client(std::string_view chain_client) const;
  // Marks the projections incomplete (meta key `rebuilding`) and empties the
  // given families; until finish_rebuild() every other open of the store fails
  // with a message saying to rerun rebuild.
  Status begin_rebuild(const std::vector<Cf>& families);
  // Clears the mark with the last batch of a rebuild.
  void finish_rebuild(rocksdb::WriteBatch& batch) const;
  // Writes the memtables to disk, so that a reader opening the store later
  // does not replay the log. A long-running writer calls this when idle.
  Status flush();
  // Flushes memtables to disk and folds the KPI merges, so that readers
  // opening the store later neither replay the log nor merge operands. Called
  // when a writer finishes.
  Status settle();

 private:
  Store() = default;
  // Before db_: the private-file Env outlives the database using it.
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions write_options_;
  std::string dir_;
  bool failed_ = false;
};

}  // namespace ketenflow::store
