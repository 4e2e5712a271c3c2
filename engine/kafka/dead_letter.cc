#include "kafka/dead_letter.h"

#include <vector>

#include "ketenflow/v1/store.pb.h"
#include "store/keys.h"

namespace ketenflow::kafka {

// Collects delivery reports; the sink acts on them in poll().
class DeadLetterSink::Reports : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    const auto seq = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message.msg_opaque()));
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      delivered.push_back(seq);
    } else {
      failed.push_back(seq);
      last_error = message.errstr();
    }
  }
  std::vector<uint64_t> delivered;
  std::vector<uint64_t> failed;
  std::string last_error;
};

Result<std::unique_ptr<DeadLetterSink>> DeadLetterSink::open(store::Store& store,
                                                             const std::string& brokers,
                                                             const std::string& topic, Log log) {
  std::unique_ptr<DeadLetterSink> sink(new DeadLetterSink());
  sink->store_ = &store;
  sink->topic_ = topic;
  sink->reports_ = std::make_unique<Reports>();
  auto conf = make_conf(producer_settings(brokers, "ketenflow-dead-letter"));
  if (!conf) return Error{conf.error()};
  std::string error;
  sink->events_ = std::make_unique<LogEvents>(std::move(log));
  if ((*conf)->set("dr_cb", sink->reports_.get(), error) != RdKafka::Conf::CONF_OK ||
      (*conf)->set("event_cb", sink->events_.get(), error) != RdKafka::Conf::CONF_OK) {
    return Error{"kafka: " + error};
  }
  sink->producer_.reset(RdKafka::Producer::create(conf->get(), error));
  if (!sink->producer_) return Error{"kafka: cannot create the dead-letter producer: " + error};
  return sink;
}

DeadLetterSink::~DeadLetterSink() = default;

Status DeadLetterSink::produce_queued() {
  auto it = store_->iterate(store::Cf::kOutbox);
  for (it->Seek(store::reject_key(cursor_)); it->Valid(); it->Next()) {
    const uint64_t seq = store::read_uint64(std::string_view(it->key().data(), it->key().size()));
    if (in_flight_.count(seq)) continue;
    v1::Reject reject;
    if (!reject.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Error{"store outbox record is corrupt"};
    }
    RdKafka::Headers* headers = RdKafka::Headers::create();
    headers->add("reason", reject.code() + ": " + reject.reason());
    headers->add("source-topic", reject.source());
    headers->add("source-partition", std::to_string(reject.partition()));
    headers->add("source-offset", std::to_string(reject.offset()));
    const std::string key = std::to_string(seq);
    RdKafka::ErrorCode err = producer_->produce(
        topic_, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(reject.record().data()), reject.record().size(), key.data(), key.size(),
        0, headers, reinterpret_cast<void*>(static_cast<uintptr_t>(seq)));
    if (err != RdKafka::ERR_NO_ERROR) {
      delete headers;                         // owned by us unless produce() succeeded
      if (err == RdKafka::ERR__QUEUE_FULL) {  // the rest goes a moment later
        retry_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        break;
      }
      return Error{"kafka: producing to " + topic_ + ": " + RdKafka::err2str(err)};
    }
    in_flight_.insert(seq);
    cursor_ = seq + 1;
  }
  return ok_status();
}

Status DeadLetterSink::poll(int timeout_ms) {
  producer_->poll(timeout_ms);
  if (retry_at_ && std::chrono::steady_clock::now() >= *retry_at_) {
    retry_at_.reset();
    if (auto status = produce_queued(); !status) return status;
  }
  if (reports_->delivered.empty() && reports_->failed.empty()) return ok_status();
  rocksdb::WriteBatch batch;
  for (uint64_t seq : reports_->delivered) {
    batch.Delete(store_->cf(store::Cf::kOutbox), store::reject_key(seq));
    in_flight_.erase(seq);
    ++delivered_;
  }
  // Failed deliveries stay queued and are produced again next time.
  for (uint64_t seq : reports_->failed) in_flight_.erase(seq);
  if (!reports_->failed.empty()) {
    cursor_ = 0;
    retry_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  }
  if (!reports_->failed.empty() && events_) {
    events_->say("warn", std::to_string(reports_->failed.size()) +
                             " dead-letter messages not delivered (" + reports_->last_error +
                             "); retrying");
  }
  reports_->delivered.clear();
  reports_->failed.clear();
  return store_->write(batch);
}

Status DeadLetterSink::drain(int timeout_ms) {
  producer_->flush(timeout_ms);
  return poll(0);
}

}  // namespace ketenflow::kafka
