// Kafka parts of the integration harness: a real single-node broker per test
// (deploy/kafka/kafka.sh), long-running `ketenflow serve` processes, the
// store's counters through `ketenflow status`, and a small librdkafka producer
// and consumer for what the CLI cannot do (raw bytes onto a topic, reading the
// dead-letter topic with its headers).
//
// No Kafka mocks: everything here talks to the broker started by Broker.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace ketenflow::it::kafka {

// source_dir()/deploy/kafka/kafka.sh
std::string kafka_sh();

// A broker of its own, in a fresh temporary folder, on free loopback ports.
// The constructor returns once the broker is ready (throws std::runtime_error
// with the script's output when it does not start); the destructor always
// runs `kafka.sh stop` (also when an assertion failed), then removes the
// folder.
class Broker {
 public:
  Broker();
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // "127.0.0.1:PORT"
  const std::string& bootstrap() const { return bootstrap_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // `kafka.sh restart`: same ports, same data. Throws when it fails.
  void restart();
  // `kafka.sh stop` (idempotent).
  RunResult stop();
  // The last lines of broker.log, for failure messages.
  std::string log_tail(size_t lines = 40) const;

 private:
  TempDir dir_;
  std::string bootstrap_;
};

// A program running in the background, its stdout and stderr appended to one
// log file. The destructor SIGKILLs it if it still runs and reaps it.
class Process {
 public:
  Process(const std::vector<std::string>& argv, std::string log_file);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Still running (reaps it when it has ended).
  bool running();
  void signal(int sig);
  // Waits up to `timeout` for the process to end; true when it has.
  bool wait(std::chrono::milliseconds timeout);
  // After it ended: exit status (or -1), terminating signal (or 0).
  int exit_code() const { return exit_code_; }
  int term_signal() const { return term_signal_; }
  // "running", "exit 0", "signal 9"
  std::string describe_state();
  // The log so far (the last `max_bytes` of it).
  std::string log(size_t max_bytes = 6000) const;
  const std::string& log_file() const { return log_file_; }

 private:
  void reap(int status);
  pid_t pid_ = -1;
  bool ended_ = false;
  int exit_code_ = -1;
  int term_signal_ = 0;
  std::string log_file_;
};

// `ketenflow serve` in the background. `extra` are added after the standard
// options (e.g. {"--batch", "500"}).
struct ServeOptions {
  std::string data;
  std::string chains;
  std::string brokers;
  std::string topic;
  std::string group;
  std::vector<std::string> extra;
};
std::vector<std::string> serve_argv(const ServeOptions& options);

// What `ketenflow status --data DIR --format json` says.
struct Position {
  std::string source;
  int64_t offset = -1;
  uint64_t records = 0;
};
struct StoreStatus {
  bool ok = false;  // the command succeeded and printed the expected JSON
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  std::vector<Position> positions;
  std::string text;   // what it printed
  std::string error;  // when !ok: why

  uint64_t processed() const { return accepted + duplicates + rejected; }
  // The Kafka positions of `topic`: partition -> position.
  std::map<int32_t, Position> kafka_positions(const std::string& topic) const;
  std::string brief() const;
};
StoreStatus store_status(const std::string& data);

// Polls `store_status(data)` every `interval` until `done(status)` holds.
// Stops early when `serve` (if given) is no longer running. The result says
// what happened, with the last status and serve's log on failure.
struct WaitResult {
  bool ok = false;
  StoreStatus last;
  std::string message;
  std::chrono::duration<double> elapsed{0};
};
WaitResult wait_for_status(const std::string& data,
                           const std::function<bool(const StoreStatus&)>& done,
                           std::chrono::milliseconds timeout, Process* serve,
                           std::chrono::milliseconds interval = std::chrono::milliseconds(200));
// accepted + duplicates + rejected == total
WaitResult wait_for_processed(const std::string& data, uint64_t total,
                              std::chrono::milliseconds timeout, Process* serve);

// ---------------------------------------------------------------------------
// librdkafka clients.

struct OutMessage {
  std::optional<std::string> key;
  // nullopt: a record with a null value (a tombstone).
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  // -1: the partitioner picks (by key).
  int32_t partition = -1;
};

struct Delivery {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string error;  // empty when delivered
};

// Produces `messages` in order with an idempotent producer and waits for every
// delivery report. One Delivery per message, in the same order. Throws
// std::runtime_error when the producer cannot be created or the flush times
// out; a message that failed has its error set.
std::vector<Delivery> produce(const std::string& brokers, const std::string& topic,
                              const std::vector<OutMessage>& messages,
                              std::chrono::milliseconds timeout = std::chrono::seconds(60));

struct Record {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;

  // The first header of that name (its value, or "" for a null header).
  std::optional<std::string> header(const std::string& name) const;
};

// Number of partitions of `topic` (from the broker's metadata); throws when
// the topic does not exist.
int32_t partition_count(const std::string& brokers, const std::string& topic);
// High watermark (next offset) of every partition of `topic`.
std::map<int32_t, int64_t> end_offsets(const std::string& brokers, const std::string& topic);
// Offsets committed by consumer group `group` for `topic` (-1001 = none).
std::map<int32_t, int64_t> committed_offsets(const std::string& brokers, const std::string& topic,
                                             const std::string& group);

// Reads `topic` from the beginning of every partition (assign(), no group
// membership) until at least `min_records` arrived and the end of every
// partition was reached, or `timeout` passed (then `complete` is false).
struct ConsumeResult {
  std::vector<Record> records;
  bool complete = false;
  std::string error;
};
ConsumeResult consume_all(const std::string& brokers, const std::string& topic, size_t min_records,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Whether `needle` occurs in a record's key, value or any header.
bool record_contains(const Record& record, const std::string& needle);

}  // namespace ketenflow::it::kafka
