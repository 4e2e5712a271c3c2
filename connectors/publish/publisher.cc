#include "connectors/publish/publisher.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <unordered_map>

#include "connectors/publish/pseudonym.h"
#include "ingest/validate.h"
#include "model/event.h"

namespace ketenflow::publish {
namespace {

using Clock = std::chrono::steady_clock;

// What a message carries to its delivery report (msg_opaque).
struct InFlight {
  size_t file = 0;
  uint64_t ordinal = 0;
  std::string position;
};

// Everything the callbacks update. librdkafka calls them from poll() and
// flush() on the publishing thread only.
struct State {
  std::vector<FileReport> files;
  std::vector<std::vector<RecordProblem>> problems;  // per file
  std::string last_kafka_error;
  std::string fatal_error;
  uint64_t in_flight = 0;
  uint64_t delivered = 0;
  Clock::time_point last_success;

  void problem(size_t file, uint64_t ordinal, std::string position, std::string reason) {
    problems[file].push_back({files[file].file, std::move(position), std::move(reason), ordinal});
  }
};

class DeliveryReports : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryReports(State& state) : state_(state) {}
  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<InFlight> record(static_cast<InFlight*>(message.msg_opaque()));
    if (record == nullptr) return;
    --state_.in_flight;
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      ++state_.files[record->file].sent;
      ++state_.delivered;
      state_.last_success = Clock::now();
      return;
    }
    ++state_.files[record->file].not_delivered;
    state_.problem(record->file, record->ordinal, std::move(record->position),
                   "not delivered: " + message.errstr());
  }

 private:
  State& state_;
};

// Broker and producer errors (and librdkafka's log, which is kept off stderr).
class Events : public RdKafka::EventCb {
 public:
  explicit Events(State& state) : state_(state) {}
  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    // "1/1 brokers are down" says less than the connection error before it.
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN && !state_.last_kafka_error.empty()) return;
    state_.last_kafka_error = event.str();
    if (event.fatal() && state_.fatal_error.empty()) state_.fatal_error = event.str();
  }

 private:
  State& state_;
};

bool names_client_ref(const std::string& column) {
  return column == "clientRef" || column == "client_ref";
}

// The raw identifier of a record, removed from the event; empty when missing.
std::string take_identifier(v1::ClientEvent& event, const std::string& column, bool csv) {
  if (csv || names_client_ref(column)) return std::string(trim_blanks(event.client_ref()));
  auto& attributes = *event.mutable_attributes();
  const auto it = attributes.find(column);
  if (it == attributes.end()) return {};
  std::string raw(trim_blanks(it->second));
  attributes.erase(it);
  return raw;
}

std::string seconds_text(int ms) {
  std::string text = std::to_string(ms / 1000.0);
  text = text.substr(0, text.find('.') + 2);
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

}  // namespace

Status check_topic(RdKafka::Producer& producer, const std::string& brokers,
                   const std::string& topic_name, int timeout_ms,
                   const std::function<std::string()>& last_error) {
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode err = producer.metadata(true, nullptr, &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    producer.poll(0);  // serves the error events
    std::string message =
        "cannot reach Kafka at " + brokers + " within " + seconds_text(timeout_ms) + " s";
    if (const std::string why = last_error ? last_error() : ""; !why.empty()) {
      message += " (" + why + ")";
    }
    return Error{message};
  }
  for (const RdKafka::TopicMetadata* topic : *metadata->topics()) {
    if (topic->topic() == topic_name && !topic->partitions()->empty()) return ok_status();
  }
  return Error{"topic " + topic_name + " does not exist on " + brokers +
               " (create it with: ketenflow topics create --brokers " + brokers + " --topic " +
               topic_name + ")"};
}

std::optional<ingest::Rejection> prepare_event(v1::ClientEvent& event, const ChainIndex& chains,
                                               int64_t now_ms, std::string& bytes) {
  const auto chain = chains.find(event.chain_id());
  if (auto why = ingest::validate(event, chain == chains.end() ? nullptr : chain->second,
                                  ingest::Membership::kChecked, now_ms)) {
    return ingest::Rejection{why->code, ingest::mask_identifiers(why->reason)};
  }
  // Only what a measure of the chain reads leaves the partner.
  ingest::keep_read_attributes(event, *chain->second);
  event.DiscardUnknownFields();
  bytes = model::canonical_bytes(event);
  if (bytes.size() > ingest::kMaxEventBytes) {
    return ingest::Rejection{"too_large", "event is " + std::to_string(bytes.size()) +
                                              " bytes; events may be at most 64 KiB"};
  }
  return std::nullopt;
}

uint64_t PublishReport::sent() const {
  uint64_t n = 0;
  for (const FileReport& file : files) n += file.sent;
  return n;
}

bool PublishReport::all_delivered() const {
  return std::all_of(files.begin(), files.end(), [](const FileReport& file) {
    return file.invalid == 0 && file.not_delivered == 0;
  });
}

std::string summary(const FileReport& file) {
  return file.file + ": sent " + std::to_string(file.sent) + ", invalid " +
         std::to_string(file.invalid) + ", not delivered " + std::to_string(file.not_delivered);
}

Result<PublishReport> publish_files(const std::vector<model::ChainModel>& chains,
                                    const std::vector<PublishFile>& files,
                                    const PublishOptions& options) {
  if (options.timeout_ms <= 0) return Error{"the publish timeout must be positive"};
  if (options.pseudonymize && options.pseudonymize->key.empty()) {
    return Error{"pseudonymisation needs a key"};
  }
  ChainIndex chain_by_id;
  for (const model::ChainModel& chain : chains) chain_by_id[chain.def.id()] = &chain;

  // Every file opens (and every CSV header maps) before anything is sent.
  std::vector<std::unique_ptr<ingest::FileReader>> readers;
  for (const PublishFile& file : files) {
    auto reader = ingest::FileReader::open(file.path, file.read, 0, 0);
    if (!reader) return Error{reader.error()};
    readers.push_back(std::move(*reader));
  }
  kafka::Settings settings = kafka::producer_settings(options.brokers, "ketenflow-publish");
  settings["message.timeout.ms"] = std::to_string(options.timeout_ms);
  for (const auto& [name, value] : options.settings) settings[name] = value;
  auto conf = kafka::make_conf(settings);
  if (!conf) return Error{conf.error()};

  State state;
  for (const PublishFile& file : files) state.files.push_back({file.path, 0, 0, 0});
  state.problems.resize(files.size());
  DeliveryReports delivery_reports(state);
  Events events(state);
  std::string error;
  if ((*conf)->set("dr_cb", &delivery_reports, error) != RdKafka::Conf::CONF_OK ||
      (*conf)->set("event_cb", &events, error) != RdKafka::Conf::CONF_OK) {
    return Error{"kafka callbacks: " + error};
  }
  // Declared after the callbacks and the state, so it is destroyed first.
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), error));
  if (producer == nullptr) return Error{"cannot create the Kafka producer: " + error};
  if (options.require_topic) {
    if (auto status = check_topic(*producer, options.brokers, options.topic, options.timeout_ms,
                                  [&] { return state.last_kafka_error; });
        !status) {
      return Error{status.error()};
    }
  }

  const auto timeout = std::chrono::milliseconds(options.timeout_ms);
  const auto started = Clock::now();
  state.last_success = started;
  auto last_progress = started;
  uint64_t read = 0;
  // Set when sending stops for good; the rest is reported as not sent.
  std::string stopped;
  const auto report_progress = [&] {
    if (!options.progress) return;
    const auto now = Clock::now();
    if (now - last_progress < std::chrono::milliseconds(options.progress_every_ms)) return;
    last_progress = now;
    options.progress({read, state.delivered, state.in_flight});
  };

  std::vector<ingest::SourceRecord> batch;
  for (size_t f = 0; f < files.size(); ++f) {
    // CSV rows map their identifier column to client_ref (CsvMapping), and
    // their default row id hashes the whole row, raw identifier included.
    const bool csv = files[f].read.format.name == "csv";
    const bool keyed_row_ids = options.pseudonymize && csv && files[f].read.csv.id_column.empty();
    uint64_t ordinal = 0;
    for (;;) {
      auto more = readers[f]->next(batch);
      if (!more) {
        state.problem(f, ordinal, "",
                      "read error, the rest of the file was not sent: " + more.error());
        ++state.files[f].not_delivered;
        break;
      }
      if (!*more) break;
      for (ingest::SourceRecord& record : batch) {
        const uint64_t n = ordinal++;
        ++read;
        if ((read & 4095) == 0) report_progress();
        const auto invalid = [&](const std::string& code, const std::string& reason) {
          ++state.files[f].invalid;
          state.problem(f, n, std::move(record.position), code + ": " + reason);
        };
        if (!record.event) {
          invalid(record.decode_error.code, ingest::mask_identifiers(record.decode_error.reason));
          continue;
        }
        v1::ClientEvent& event = *record.event;
        if (options.pseudonymize) {
          const Pseudonymization& p = *options.pseudonymize;
          const std::string raw = take_identifier(event, p.column, csv);
          if (raw.empty()) {
            invalid("missing_identifier", (csv                          ? "column \""
                                           : names_client_ref(p.column) ? "field \""
                                                                        : "attribute \"") +
                                              p.column +
                                              "\" is missing or empty; nothing to pseudonymise");
            continue;
          }
          event.set_client_ref(pseudonymize(p.key, raw));
          if (keyed_row_ids && event.event_id().rfind("row-", 0) == 0) {
            event.set_event_id("row-" +
                               pseudonymize(p.key, "event_id:" + event.event_id()).substr(2));
          }
        }
        const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
        std::string bytes;
        if (auto why = prepare_event(event, chain_by_id, now_ms, bytes)) {
          invalid(why->code, why->reason);
          continue;
        }
        const auto not_sent = [&](const std::string& why) {
          ++state.files[f].not_delivered;
          state.problem(f, n, std::move(record.position), "not sent: " + why);
        };
        if (!stopped.empty()) {
          not_sent(stopped);
          continue;
        }
        auto in_flight = std::make_unique<InFlight>(InFlight{f, n, record.position});
        for (;;) {
          const RdKafka::ErrorCode err = producer->produce(
              options.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
              bytes.data(), bytes.size(), event.client_ref().data(), event.client_ref().size(), 0,
              in_flight.get());
          if (err == RdKafka::ERR_NO_ERROR) {
            in_flight.release();  // the delivery report owns it now
            ++state.in_flight;
            break;
          }
          if (err == RdKafka::ERR__QUEUE_FULL) {
            producer->poll(100);
            report_progress();
            if (!state.fatal_error.empty()) {
              stopped = "the producer failed: " + state.fatal_error;
            } else if (Clock::now() - state.last_success > timeout) {
              stopped = "no record was delivered for " + seconds_text(options.timeout_ms) + " s";
              if (!state.last_kafka_error.empty()) stopped += " (" + state.last_kafka_error + ")";
            } else {
              continue;
            }
          } else if (err == RdKafka::ERR__FATAL) {
            std::string reason;
            producer->fatal_error(reason);
            stopped = "the producer failed: " + reason;
          } else {
            not_sent(RdKafka::err2str(err));
            break;
          }
          not_sent(stopped);
          break;
        }
        producer->poll(0);
      }
    }
  }

  // Wait for every delivery report, then give up on what is left.
  const auto flush_deadline = Clock::now() + timeout;
  while (state.in_flight > 0 && Clock::now() < flush_deadline) {
    producer->flush(500);
    report_progress();
  }
  if (producer->outq_len() > 0 || state.in_flight > 0) {
    producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    const auto purge_deadline = Clock::now() + std::chrono::seconds(5);
    while (state.in_flight > 0 && Clock::now() < purge_deadline) producer->poll(50);
  }
  PublishReport report;
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (state.in_flight > 0) {
    // Not expected: librdkafka reports every purged message. Account for them anyway.
    state.problems.back().push_back(
        {files.back().path, "",
         std::to_string(state.in_flight) + " records without a delivery report", ~uint64_t{0}});
    state.files.back().not_delivered += state.in_flight;
  }
  report.files = std::move(state.files);
  report.last_kafka_error = state.fatal_error.empty() ? state.last_kafka_error : state.fatal_error;
  for (auto& problems : state.problems) {
    std::stable_sort(
        problems.begin(), problems.end(),
        [](const RecordProblem& a, const RecordProblem& b) { return a.ordinal < b.ordinal; });
    for (RecordProblem& problem : problems) report.problems.push_back(std::move(problem));
  }
  return report;
}

}  // namespace ketenflow::publish
