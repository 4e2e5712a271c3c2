#include "kafka/event_source.h"

#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "ketenflow/v1/store.pb.h"
#include "kpi/histogram.h"
#include "store/keys.h"

namespace ketenflow::kafka {
namespace {

using Clock = std::chrono::steady_clock;

// The records read since the last apply, and how to apply them.
struct Session {
  store::Store& store;
  ingest::Pipeline& pipeline;
  DeadLetterSink& dead_letter;
  const ConsumeOptions& options;
  ConsumeProbe& probe;
  const Log& log;
  std::vector<ingest::SourceRecord> pending;
  std::vector<int64_t> produced_ms;  // message timestamps of `pending`
  std::map<int32_t, int64_t> next_offsets;
  // Records applied per partition over the store's life (from the stored
  // position at assignment).
  std::map<int32_t, uint64_t> applied;
  Clock::time_point first_pending;
  Clock::time_point last_apply;
  // Set when applying failed inside a rebalance callback.
  std::string fatal;

  Status flush(RdKafka::KafkaConsumer* consumer) {
    if (pending.empty()) return ok_status();
    std::map<int32_t, uint64_t> after = applied;
    for (const ingest::SourceRecord& record : pending) ++after[record.partition];
    std::vector<ingest::MetaEntry> positions;
    for (const auto& [partition, offset] : next_offsets) {
      v1::SourcePosition position;
      position.set_source("kafka:" + options.topic + "/" + std::to_string(partition));
      position.set_offset(static_cast<uint64_t>(offset));
      position.set_records(after[partition]);
      positions.push_back({position_key(options.topic, partition), position.SerializeAsString()});
    }
    auto counts = pipeline.apply(pending, options.topic, positions);
    if (!counts) return Error{counts.error()};
    applied = std::move(after);
    last_apply = Clock::now();
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    {
      std::lock_guard lock(probe.mu);
      ingest::add_counts(probe.counts, *counts);
      ++probe.batches;
      probe.records += pending.size();
      for (int64_t produced : produced_ms) {
        if (produced > 0) {
          const int64_t latency = std::max<int64_t>(0, now_ms - produced);
          ++probe.latency_ms[kpi::bucket_of(latency)];
          probe.latency_sum_ms += latency;
          ++probe.latency_count;
        }
      }
      for (const auto& [partition, offset] : next_offsets) {
        int64_t low = 0, high = 0;
        if (consumer->get_watermark_offsets(options.topic, partition, &low, &high) ==
                RdKafka::ERR_NO_ERROR &&
            high >= 0) {
          probe.lag[partition] = std::max<int64_t>(0, high - offset);
        }
      }
    }
    produced_ms.clear();

    // For lag tooling only: the truth is the offset stored with the batch.
    std::vector<RdKafka::TopicPartition*> commit;
    for (const auto& [partition, offset] : next_offsets) {
      commit.push_back(RdKafka::TopicPartition::create(options.topic, partition, offset));
    }
    consumer->commitAsync(commit);
    RdKafka::TopicPartition::destroy(commit);
    pending.clear();
    next_offsets.clear();
    if (counts->rejected > 0) return dead_letter.produce_queued();
    return ok_status();
  }

  void assign(RdKafka::KafkaConsumer* consumer, std::vector<RdKafka::TopicPartition*>& parts) {
    std::string assigned;
    for (RdKafka::TopicPartition* p : parts) {
      auto stored = store.get(store::Cf::kMeta, position_key(p->topic(), p->partition()));
      v1::SourcePosition position;
      if (!stored) {
        fatal = stored.error();
        return;
      }
      if (stored->has_value()) {
        if (!position.ParseFromString(**stored)) {
          fatal = "store meta " + position_key(p->topic(), p->partition()) + " is corrupt";
          return;
        }
        p->set_offset(static_cast<int64_t>(position.offset()));
        applied[p->partition()] = position.records();
      } else {
        p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      }
      assigned += " " + std::to_string(p->partition()) + "@" +
                  (stored->has_value() ? std::to_string(p->offset()) : std::string("start"));
    }
    const RdKafka::ErrorCode err = consumer->assign(parts);
    if (err != RdKafka::ERR_NO_ERROR) {
      fatal = "kafka: assign failed: " + RdKafka::err2str(err);
      return;
    }
    {
      std::lock_guard lock(probe.mu);
      probe.assigned = true;
    }
    log("info", "assigned partitions of " + options.topic + ":" + assigned);
  }

  void revoke(RdKafka::KafkaConsumer* consumer) {
    // After a failed apply the pipeline is not used again (pipeline.h).
    if (fatal.empty()) {
      if (auto status = flush(consumer); !status) fatal = status.error();
    }
    consumer->unassign();
    {
      std::lock_guard lock(probe.mu);
      probe.assigned = false;
      probe.lag.clear();
    }
    log("info", "partitions revoked");
  }
};

class Rebalance : public RdKafka::RebalanceCb {
 public:
  explicit Rebalance(Session& session) : session_(session) {}
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      session_.assign(consumer, partitions);
    } else {
      session_.revoke(consumer);
    }
  }

 private:
  Session& session_;
};

ingest::SourceRecord record_of(const RdKafka::Message& message) {
  ingest::SourceRecord record;
  record.partition = message.partition();
  record.offset = message.offset();
  record.position = "partition " + std::to_string(message.partition()) + " offset " +
                    std::to_string(message.offset());
  record.raw.assign(static_cast<const char*>(message.payload()), message.len());
  record.raw_is_protobuf = true;
  if (record.raw.size() <= ingest::kMaxEventBytes) {
    v1::ClientEvent event;
    if (event.ParseFromString(record.raw)) {
      record.event = std::move(event);
    } else {
      record.decode_error = {"decode_error", "not a valid ClientEvent protobuf"};
    }
  }
  return record;
}

}  // namespace

std::string position_key(const std::string& topic, int32_t partition) {
  return store::source_meta_key("kafka:" + topic + "/" + std::to_string(partition));
}

namespace {

// One consumer's life. `fenced` is set when the broker fenced this static
// member (its session timed out and it rejoined, e.g. across a broker
// restart): librdkafka makes that fatal, but the store holds every position,
// so consume() starts a new consumer.
Status consume_once(store::Store& store, ingest::Pipeline& pipeline, DeadLetterSink& dead_letter,
                    const ConsumeOptions& options, const std::atomic<bool>& stop,
                    ConsumeProbe& probe, const Log& log, bool& fenced) {
  Session session{store, pipeline, dead_letter, options, probe, log, {}, {}, {}, {}, {}, {}, {}};
  Rebalance rebalance(session);
  Settings settings = {{"bootstrap.servers", options.brokers},
                       {"group.id", options.group},
                       {"client.id", "ketenflow-serve"},
                       {"enable.auto.commit", "false"},
                       {"enable.auto.offset.store", "false"},
                       {"auto.offset.reset", "earliest"},
                       {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
                       {"fetch.message.max.bytes", "1048576"},
                       {"reconnect.backoff.max.ms", "5000"}};
  if (!options.instance_id.empty()) settings["group.instance.id"] = options.instance_id;
  auto conf = make_conf(settings);
  if (!conf) return Error{conf.error()};
  std::string error;
  LogEvents events(log);
  if ((*conf)->set("event_cb", &events, error) != RdKafka::Conf::CONF_OK ||
      (*conf)->set("rebalance_cb", &rebalance, error) != RdKafka::Conf::CONF_OK) {
    return Error{"kafka: " + error};
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!consumer) return Error{"kafka: cannot create the consumer: " + error};
  if (auto err = consumer->subscribe({options.topic}); err != RdKafka::ERR_NO_ERROR) {
    return Error{"kafka: cannot subscribe to " + options.topic + ": " + RdKafka::err2str(err)};
  }
  // Rejects left in the outbox by an earlier run go out first.
  if (auto status = dead_letter.produce_queued(); !status) return status;

  std::map<RdKafka::ErrorCode, Clock::time_point> last_logged;
  Clock::time_point last_report = Clock::now();
  uint64_t flushed_batches = 0;
  uint64_t reported = 0;
  Status result = ok_status();
  while (!stop.load() && session.fatal.empty()) {
    int wait = options.batch_ms;
    if (!session.pending.empty()) {
      const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                             session.first_pending)
                           .count();
      wait = static_cast<int>(std::max<int64_t>(0, options.batch_ms - age));
    }
    std::unique_ptr<RdKafka::Message> message(consumer->consume(wait));
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        if (!last_logged.empty()) {
          log("info", "kafka: receiving messages again");
          last_logged.clear();
        }
        if (session.pending.empty()) session.first_pending = Clock::now();
        session.pending.push_back(record_of(*message));
        session.produced_ms.push_back(message->timestamp().timestamp);
        session.next_offsets[message->partition()] = message->offset() + 1;
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        break;
      default: {
        if (message->err() == RdKafka::ERR__FATAL) {
          result = Error{"kafka: fatal error: " + message->errstr()};
          break;
        }
        // Transient: librdkafka reconnects by itself. Say so, at most every 10 s.
        auto& last = last_logged[message->err()];
        if (Clock::now() - last > std::chrono::seconds(10)) {
          last = Clock::now();
          log("warn", "kafka: " + message->errstr() + " (retrying)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (!result) break;
    const bool full = session.pending.size() >= options.batch_records;
    const bool old = !session.pending.empty() && Clock::now() - session.first_pending >=
                                                     std::chrono::milliseconds(options.batch_ms);
    if (full || old) {
      if (auto status = session.flush(consumer.get()); !status) {
        session.fatal = status.error();
        break;
      }
    }
    if (auto status = dead_letter.poll(0); !status) {
      result = status;
      break;
    }
    // Idle for a while after writing: put the memtables on disk, so that
    // `kpi`, `path` and `status` opening the store do not replay the log.
    if (probe.batches != flushed_batches && session.pending.empty() &&
        Clock::now() - session.last_apply > std::chrono::seconds(3)) {
      flushed_batches = probe.batches;
      if (auto status = store.flush(); !status) {
        result = status;
        break;
      }
    }
    if (Clock::now() - last_report > std::chrono::seconds(10) && probe.records != reported) {
      last_report = Clock::now();
      reported = probe.records;
      log("info", std::to_string(probe.records) + " records in " + std::to_string(probe.batches) +
                      " batches: accepted " + std::to_string(probe.counts.accepted) +
                      ", duplicates " + std::to_string(probe.counts.duplicates) + ", rejected " +
                      std::to_string(probe.counts.rejected));
    }
  }
  if (!session.fatal.empty()) result = Error{session.fatal};
  if (result) {
    result = session.flush(consumer.get());
    if (!result) session.fatal = result.error();  // close() must not apply again
  }
  if (result) result = dead_letter.produce_queued();
  if (result) result = dead_letter.drain(5000);
  std::string fatal_reason;
  fenced = !result && session.fatal.empty() &&
           consumer->fatal_error(fatal_reason) == RdKafka::ERR_FENCED_INSTANCE_ID;
  consumer->close();
  return result;
}

}  // namespace

Status consume(store::Store& store, ingest::Pipeline& pipeline, DeadLetterSink& dead_letter,
               const ConsumeOptions& options, const std::atomic<bool>& stop, ConsumeProbe& probe,
               const Log& log) {
  for (;;) {
    bool fenced = false;
    Status status = consume_once(store, pipeline, dead_letter, options, stop, probe, log, fenced);
    if (!fenced || stop.load()) return status;
    log("warn", "kafka: this member was fenced after its session timed out (" + status.error() +
                    "); rejoining with a new consumer at the positions in the store");
    {
      std::lock_guard lock(probe.mu);
      probe.assigned = false;
      probe.lag.clear();
    }
  }
}

}  // namespace ketenflow::kafka
