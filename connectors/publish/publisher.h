// The partner-side publisher: event files to the Kafka events topic.
//
// Each file is read with ingest::FileReader (NDJSON, CSV or length-delimited
// protobuf). Every record is, in this order:
//   1. pseudonymised when asked: the raw identifier (a CSV column, or an
//      NDJSON/pb attribute that is then removed, or clientRef itself) becomes
//      client_ref = pseudonymize(key, raw); surrounding spaces are ignored. A
//      record without an identifier is reported and not sent. CSV rows without
//      an id column get a keyed event id too, because the default row id is a
//      plain hash of the row, raw identifier included;
//   2. validated against its chain (ingest::validate, the engine's own rules);
//      an invalid record is reported with code and reason and not sent;
//   3. produced as deterministic protobuf bytes with key = client_ref, by the
//      idempotent producer (acks=all), message timestamp = the time of sending.
// At the end the producer is flushed and every delivery report awaited. So
// each record ends up in exactly one of: delivered ("sent"), invalid, not
// delivered; reports never contain a client_ref. Re-publishing a file is
// harmless: event ids are the engine's idempotency keys.
//
// Time bounds: a record not acknowledged within `timeout_ms` after it was
// produced fails (message.timeout.ms), and the final wait lasts at most
// `timeout_ms`; whatever is still queued then is purged and reported as not
// delivered. A fatal producer error stops sending; the rest of the records
// are then reported as not delivered.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/input_format.h"
#include "ingest/validate.h"
#include "kafka/conf.h"
#include "model/chain.h"
#include "model/result.h"

namespace ketenflow::publish {

struct PublishFile {
  std::string path;
  ingest::FileReadOptions read;
};

struct Pseudonymization {
  // CSV: the column holding the raw identifier, which the caller also sets as
  // the mapping's case column. NDJSON / pb: the attribute holding it, or
  // "clientRef" (or "client_ref") to pseudonymise the client_ref field itself.
  std::string column;
  std::string key;
};

struct PublishProgress {
  uint64_t read = 0;       // records read so far, all files
  uint64_t delivered = 0;  // acknowledged by the broker
  uint64_t in_flight = 0;  // produced, awaiting a delivery report
};

struct PublishOptions {
  std::string brokers;
  std::string topic = "ketenflow.events";
  std::optional<Pseudonymization> pseudonymize;
  int timeout_ms = 60000;
  // Check first that the topic exists (cluster metadata), so that a broker
  // with auto.create.topics.enable does not create it with its defaults.
  bool require_topic = true;
  // Extra or overriding librdkafka settings (tests: the mock cluster).
  kafka::Settings settings;
  // Called about every `progress_every_ms` while publishing.
  std::function<void(const PublishProgress&)> progress;
  int progress_every_ms = 5000;
};

struct RecordProblem {
  std::string file;
  // "line 12", "offset 4096", as ingest reports it.
  std::string position;
  // "code: reason" of an invalid record, or "not delivered: <kafka error>".
  std::string reason;
  // Index of the record in its file, to sort the report.
  uint64_t ordinal = 0;
};

struct FileReport {
  std::string file;
  uint64_t sent = 0;  // delivered and acknowledged (acks=all)
  uint64_t invalid = 0;
  uint64_t not_delivered = 0;
};

struct PublishReport {
  std::vector<FileReport> files;        // in the order given
  std::vector<RecordProblem> problems;  // by file, then position
  std::string last_kafka_error;         // the last broker or producer error seen, if any
  double seconds = 0;                   // from the first produce to the last delivery report

  uint64_t sent() const;
  // True when every record was valid and delivered.
  bool all_delivered() const;
};

// "FILE: sent N, invalid N, not delivered N".
std::string summary(const FileReport& file);

// Chains by id.
using ChainIndex = std::unordered_map<std::string, const model::ChainModel*>;

// Steps 2 and 3 of every record, shared with the HTTP gateway (gateway.h):
// `event` validated against its chain (ingest::validate, kChecked, `now_ms` the
// moment of sending), stripped to the attributes a measure reads, as
// deterministic protobuf bytes of at most ingest::kMaxEventBytes. The
// rejection (reason masked), or nullopt with `bytes` set.
std::optional<ingest::Rejection> prepare_event(v1::ClientEvent& event, const ChainIndex& chains,
                                               int64_t now_ms, std::string& bytes);

// The topic must exist: asks for the metadata of all topics, because asking
// for one lets a broker with auto.create.topics.enable create it.
// `last_error` gives the last error the producer's event callback saw.
[[nodiscard]] Status check_topic(RdKafka::Producer& producer, const std::string& brokers,
                                 const std::string& topic, int timeout_ms,
                                 const std::function<std::string()>& last_error);

// Publishes `files` in order through one idempotent producer. An error means
// nothing was sent: bad settings, a file that cannot be opened (or a CSV
// without the mapped columns), the topic missing or the cluster unreachable
// (with require_topic). Problems with single records are in the report.
Result<PublishReport> publish_files(const std::vector<model::ChainModel>& chains,
                                    const std::vector<PublishFile>& files,
                                    const PublishOptions& options);

}  // namespace ketenflow::publish
