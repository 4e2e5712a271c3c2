#include "connectors/publish/gateway.h"

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "connectors/publish/pseudonym.h"
#include "connectors/publish/publisher.h"

namespace ketenflow::publish {
namespace {

using Clock = std::chrono::steady_clock;
using http::EventOutcome;

EventOutcome rejected(std::string code, std::string message) {
  return {EventOutcome::Status::kRejected, std::move(code), std::move(message)};
}

// The answers of one request, filled by delivery reports.
struct Pending {
  std::mutex mu;
  std::condition_variable done;
  std::vector<EventOutcome> outcomes;
  std::vector<bool> reported;
  size_t waiting = 0;
};

// What a produced message carries to its delivery report (msg_opaque).
struct InFlight {
  std::shared_ptr<Pending> pending;
  size_t index = 0;
  std::string key;  // chain and event id, for the LRU
  uint64_t digest = 0;
};

// Recently accepted events: chain + event id -> hash of their bytes, the
// least recently accepted dropped first.
class RecentIds {
 public:
  explicit RecentIds(size_t capacity) : capacity_(capacity) {}

  std::optional<uint64_t> find(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    return it->second->second;
  }

  void add(const std::string& key, uint64_t digest) {
    if (capacity_ == 0) return;
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
    order_.emplace_front(key, digest);
    index_[key] = order_.begin();
    while (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

 private:
  size_t capacity_;
  std::mutex mu_;
  std::list<std::pair<std::string, uint64_t>> order_;
  std::unordered_map<std::string, std::list<std::pair<std::string, uint64_t>>::iterator> index_;
};

uint64_t digest_of(const std::string& bytes) { return std::hash<std::string>{}(bytes); }

}  // namespace

struct KafkaGateway::State : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
  State(std::vector<model::ChainModel> chain_list, const GatewayOptions& gateway_options)
      : chains(std::move(chain_list)), options(gateway_options), recent(gateway_options.remember) {
    for (const model::ChainModel& chain : chains) by_id[chain.def.id()] = &chain;
  }

  // Delivery reports, on the poll thread.
  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<InFlight> record(static_cast<InFlight*>(message.msg_opaque()));
    if (record == nullptr) return;
    const bool ok = message.err() == RdKafka::ERR_NO_ERROR;
    if (ok) recent.add(record->key, record->digest);
    Pending& pending = *record->pending;
    std::lock_guard lock(pending.mu);
    if (pending.reported[record->index]) return;
    pending.reported[record->index] = true;
    if (!ok) {
      pending.outcomes[record->index] =
          rejected("not_delivered",
                   "not delivered: " + message.errstr() + "; sending the event again is harmless");
    }
    if (--pending.waiting == 0) pending.done.notify_all();
  }

  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    std::lock_guard lock(error_mu);
    last_error = event.str();
  }

  std::string error_text() {
    std::lock_guard lock(error_mu);
    return last_error;
  }

  std::vector<model::ChainModel> chains;
  ChainIndex by_id;
  GatewayOptions options;
  RecentIds recent;
  std::mutex error_mu;
  std::string last_error;
  // Declared after the callbacks' state, destroyed before it.
  std::unique_ptr<RdKafka::Producer> producer;
  std::atomic<bool> stopping{false};
  std::thread poller;
};

Result<std::unique_ptr<KafkaGateway>> KafkaGateway::start(std::vector<model::ChainModel> chains,
                                                          const GatewayOptions& options) {
  if (options.timeout_ms <= 0) return Error{"the gateway's delivery timeout must be positive"};
  for (const auto& [partner, key] : options.keys) {
    if (key.size() < kMinKeyBytes) return Error{"the key of partner " + partner + " is too short"};
  }
  auto state = std::make_unique<State>(std::move(chains), options);
  kafka::Settings settings = kafka::producer_settings(options.brokers, "ketenflow-gateway");
  settings["message.timeout.ms"] = std::to_string(options.timeout_ms);
  for (const auto& [name, value] : options.settings) settings[name] = value;
  auto conf = kafka::make_conf(settings);
  if (!conf) return Error{conf.error()};
  std::string error;
  if ((*conf)->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(state.get()), error) !=
          RdKafka::Conf::CONF_OK ||
      (*conf)->set("event_cb", static_cast<RdKafka::EventCb*>(state.get()), error) !=
          RdKafka::Conf::CONF_OK) {
    return Error{"kafka callbacks: " + error};
  }
  state->producer.reset(RdKafka::Producer::create(conf->get(), error));
  if (state->producer == nullptr) return Error{"cannot create the Kafka producer: " + error};
  State* s = state.get();
  if (auto status = check_topic(*s->producer, options.brokers, options.topic, options.timeout_ms,
                                [s] { return s->error_text(); });
      !status) {
    return Error{status.error()};
  }
  s->poller = std::thread([s] {
    while (!s->stopping.load()) s->producer->poll(50);
  });
  return std::unique_ptr<KafkaGateway>(new KafkaGateway(std::move(state)));
}

KafkaGateway::KafkaGateway(std::unique_ptr<State> state) : state_(std::move(state)) {}

KafkaGateway::~KafkaGateway() {
  state_->stopping = true;
  if (state_->poller.joinable()) state_->poller.join();
  state_->producer->flush(state_->options.timeout_ms);
  state_->producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  state_->producer->poll(0);
}

std::vector<EventOutcome> KafkaGateway::publish(const std::string& partner,
                                                std::vector<http::DecodedEvent>& events,
                                                int64_t now_ms) {
  State& s = *state_;
  auto pending = std::make_shared<Pending>();
  pending->outcomes.resize(events.size(), EventOutcome{EventOutcome::Status::kAccepted, "", ""});
  pending->reported.resize(events.size(), true);
  // Event keys of this request and the digest of their bytes.
  std::unordered_map<std::string, uint64_t> in_request;
  const auto key_it = s.options.keys.find(partner);
  const auto deadline = Clock::now() + std::chrono::milliseconds(s.options.timeout_ms);
  for (size_t i = 0; i < events.size(); ++i) {
    EventOutcome& outcome = pending->outcomes[i];
    http::DecodedEvent& decoded = events[i];
    if (!decoded.event) {
      outcome = rejected("decode_error", decoded.error);
      continue;
    }
    v1::ClientEvent& event = *decoded.event;
    if (event.partner_id().empty()) event.set_partner_id(partner);
    if (event.partner_id() != partner) {
      outcome = rejected("partner_mismatch",
                         "partnerId \"" + ingest::mask_identifiers(event.partner_id()) +
                             "\" is not this token's partner \"" + partner +
                             "\": a publisher reports for its own partner only");
      continue;
    }
    if (decoded.identifier) {
      // The raw identifier goes no further than this block.
      std::string raw(trim_blanks(*decoded.identifier));
      decoded.identifier.reset();
      if (!event.client_ref().empty()) {
        outcome = rejected("malformed_field",
                           "give either clientRef (a pseudonym) or identifier, not both");
        continue;
      }
      if (key_it == s.options.keys.end()) {
        outcome = rejected("no_key", "this gateway holds no pseudonymisation key for partner \"" +
                                         partner + "\": send clientRef as a pseudonym instead");
        continue;
      }
      if (raw.empty()) {
        outcome = rejected("missing_identifier", "identifier is empty; nothing to pseudonymise");
        continue;
      }
      event.set_client_ref(pseudonymize(key_it->second, raw));
    }
    std::string bytes;
    if (auto why = prepare_event(event, s.by_id, now_ms, bytes)) {
      outcome = rejected(why->code, why->reason);
      continue;
    }
    std::string key = event.chain_id() + '\n' + event.event_id();
    const uint64_t digest = digest_of(bytes);
    if (auto seen = in_request.find(key); seen != in_request.end()) {
      outcome = seen->second == digest
                    ? EventOutcome{EventOutcome::Status::kDuplicate, "",
                                   "the same event came earlier in this request"}
                    : rejected("event_id_conflict",
                               "an earlier event of this request has this event id and other "
                               "content");
      continue;
    }
    in_request.emplace(key, digest);
    if (auto seen = s.recent.find(key)) {
      outcome =
          *seen == digest
              ? EventOutcome{EventOutcome::Status::kDuplicate, "", "this event was accepted before"}
              : rejected("event_id_conflict",
                         "an event with this id and other content was accepted before");
      continue;
    }
    auto in_flight = std::make_unique<InFlight>(InFlight{pending, i, std::move(key), digest});
    {
      std::lock_guard lock(pending->mu);
      pending->reported[i] = false;
      ++pending->waiting;
    }
    for (;;) {
      const RdKafka::ErrorCode err = s.producer->produce(
          s.options.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
          bytes.data(), bytes.size(), event.client_ref().data(), event.client_ref().size(), 0,
          in_flight.get());
      if (err == RdKafka::ERR_NO_ERROR) {
        in_flight.release();  // the delivery report owns it now
        break;
      }
      if (err == RdKafka::ERR__QUEUE_FULL && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      std::lock_guard lock(pending->mu);
      pending->reported[i] = true;
      --pending->waiting;
      outcome = rejected("not_delivered", std::string("not sent: ") + RdKafka::err2str(err) +
                                              "; sending the event again is harmless");
      break;
    }
  }
  std::unique_lock lock(pending->mu);
  // Delivery reports come within message.timeout.ms; a little more for the
  // report itself.
  pending->done.wait_until(lock, deadline + std::chrono::seconds(5),
                           [&] { return pending->waiting == 0; });
  for (size_t i = 0; i < events.size(); ++i) {
    if (!pending->reported[i]) {
      pending->reported[i] = true;
      pending->outcomes[i] =
          rejected("not_delivered", "no acknowledgement from Kafka within " +
                                        std::to_string(s.options.timeout_ms / 1000) +
                                        " s; sending the event again is harmless");
    }
  }
  return pending->outcomes;
}

}  // namespace ketenflow::publish
