// The ingest pipeline: decoded records in, one atomic store update out.
//
//   validate -> dedupe -> store event -> rebuild client path -> KPI delta
//
// apply() turns a batch of records from any source (files now, Kafka next)
// into exactly one RocksDB WriteBatch holding the accepted events, the
// rebuilt paths, the KPI deltas (retract old contribution, add new), the
// open-visit index, the rejects, the running counters and the source
// position the caller passes in. A crash before the write leaves the store as
// it was before the batch; after it, the batch and its position are both in.
//
// A Pipeline is used by one thread (the single writer of its store). When
// apply() fails (the store refused the write), the batch is not applied and
// the Pipeline must not be used again: open a new one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/validate.h"
#include "ketenflow/v1/event.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "model/chain.h"
#include "model/result.h"
#include "store/store.h"

namespace ketenflow::ingest {

// One record as a source read it.
struct SourceRecord {
  // Absent when the bytes could not be decoded; `decode_error` says why.
  std::optional<v1::ClientEvent> event;
  Rejection decode_error;
  // The original bytes, kept with a reject.
  std::string raw;
  // When `event` is absent but the source could tell the client_ref (a CSV
  // row with a bad timestamp): shortened in the kept reject like a decoded one.
  std::string undecoded_client_ref;
  // Whether `raw` is a serialized ClientEvent (pb files, Kafka) or text
  // (NDJSON, CSV): a record kept without its raw identifier keeps that form.
  bool raw_is_protobuf = false;
  // Where the record stands in its source: "line 12", "offset 4096".
  std::string position;
  // Kafka sources: partition and offset of the message.
  int32_t partition = -1;
  int64_t offset = -1;
};

// A meta entry the caller wants written with the batch (its source position).
struct MetaEntry {
  std::string key;
  std::string value;
};

struct BatchCounts {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  std::map<std::string, uint64_t> rejected_by_code;
  // Of the accepted: events of an inferred chain whose log named no partner,
  // counted under model::kUnknownPartner.
  uint64_t unknown_partner = 0;
};

// Adds `from` to `into`.
void add_counts(BatchCounts& into, const BatchCounts& from);

struct PipelineOptions {
  // Also queue every reject in the outbox family, for the dead-letter topic.
  bool outbox = false;
  // The moment of ingest, ms since the epoch (default: the system clock), read
  // once per batch: events dated more than a day after it are rejected, and
  // stored events carry it as stored_ms.
  std::function<int64_t()> clock = {};
};

struct ChainSetup {
  // Chains from chain files.
  std::vector<model::ChainModel> chains;
  // Name of a chain to infer from the log, if any.
  std::string infer_chain;
  std::string infer_time_zone = "Europe/Amsterdam";
};

class Pipeline {
 public:
  // Reconciles `setup` with the chains the store was built with: a new chain
  // is recorded; a changed definition is refused (rebuild applies it).
  static Result<std::unique_ptr<Pipeline>> open(store::Store& store, ChainSetup setup,
                                                PipelineOptions options = {});

  // Applies `records` (from source `source`) and `positions` as one batch.
  Result<BatchCounts> apply(std::vector<SourceRecord>& records, const std::string& source,
                            const std::vector<MetaEntry>& positions);

  // Totals over the store's whole life (kept in meta).
  const v1::IngestCounters& totals() const { return counters_; }
  const std::vector<model::ChainModel>& chains() const { return chains_; }

 private:
  Pipeline(store::Store& store) : store_(store) {}
  model::ChainModel* find_chain(const std::string& id);

  store::Store& store_;
  PipelineOptions options_;
  std::vector<model::ChainModel> chains_;
  std::vector<bool> chain_dirty_;
  v1::IngestCounters counters_;
};

}  // namespace ketenflow::ingest
