#include "kafka/topics.h"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace ketenflow::kafka {
namespace {

// Broker errors librdkafka reports while we wait, for the message when the
// cluster cannot be reached. Filled by the error callback, which runs on the
// calling thread inside rd_kafka_poll().
struct Diagnostics {
  std::string last_error;
  std::string all_down;
};

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* diag = static_cast<Diagnostics*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    diag->all_down = reason;
  } else {
    diag->last_error = reason;
  }
}

// librdkafka prints its log to stderr by default; the commands report the
// errors that matter themselves, in one line.
void on_log(const rd_kafka_t*, int, const char*, const char*) {}

struct Client {
  Diagnostics diag;  // outlives rk, which points at it
  rd_kafka_t* rk = nullptr;
  Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

Result<std::unique_ptr<Client>> connect(const std::string& brokers) {
  auto client = std::make_unique<Client>();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  const std::pair<const char*, std::string> settings[] = {{"bootstrap.servers", brokers},
                                                          {"client.id", "ketenflow-admin"}};
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Error{std::string("kafka setting ") + name + "=" + value + ": " + errstr};
    }
  }
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_opaque(conf, &client->diag);
  client->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (client->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Error{std::string("cannot create a Kafka client: ") + errstr};
  }
  return client;
}

std::string seconds(int timeout_ms) {
  if (timeout_ms % 1000 == 0) return std::to_string(timeout_ms / 1000);
  std::string text = std::to_string(timeout_ms / 1000.0);
  return text.substr(0, text.find('.') + 2);
}

std::string unreachable(const std::string& brokers, int timeout_ms, Client& client) {
  rd_kafka_poll(client.rk, 0);  // serves the error callbacks
  std::string message =
      "cannot reach Kafka at " + brokers + " within " + seconds(timeout_ms) + " s";
  const std::string& why =
      client.diag.last_error.empty() ? client.diag.all_down : client.diag.last_error;
  if (!why.empty()) message += " (" + why + ")";
  return message;
}

bool is_unreachable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE;
}

Result<int> partition_count_with(Client& client, const std::string& brokers,
                                 const std::string& topic, int timeout_ms) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(client.rk, 1, nullptr, &metadata, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (is_unreachable(err)) return Error{unreachable(brokers, timeout_ms, client)};
    return Error{"metadata of " + brokers + ": " + rd_kafka_err2str(err)};
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> owned(
      metadata, rd_kafka_metadata_destroy);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    if (topic != t.topic) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt == 0) {
      return Error{"topic " + topic + ": " + rd_kafka_err2str(t.err)};
    }
    return t.partition_cnt;
  }
  return Error{"topic " + topic + " does not exist on " + brokers +
               " (create it with: ketenflow topics create --brokers " + brokers + " --topic " +
               topic + ")"};
}

}  // namespace

std::string describe(const TopicOutcome& outcome) {
  switch (outcome.state) {
    case TopicOutcome::State::kCreated:
      return "created";
    case TopicOutcome::State::kExists:
      return "exists";
    case TopicOutcome::State::kFailed:
      break;
  }
  return "failed: " + outcome.error;
}

Result<std::vector<TopicOutcome>> create_topics(const std::string& brokers,
                                                const std::vector<TopicSpec>& topics,
                                                int timeout_ms) {
  std::vector<TopicOutcome> outcomes;
  if (topics.empty()) return outcomes;
  auto client = connect(brokers);
  if (!client) return Error{client.error()};
  rd_kafka_t* rk = (*client)->rk;
  char errstr[512];

  std::vector<rd_kafka_NewTopic_t*> requests;
  const auto destroy_requests = [&] {
    rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
  };
  for (const TopicSpec& spec : topics) {
    rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(
        spec.name.c_str(), spec.partitions, spec.replication_factor, errstr, sizeof errstr);
    if (request == nullptr) {
      destroy_requests();
      return Error{"topic " + spec.name + ": " + errstr};
    }
    requests.push_back(request);
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, requests.data(), requests.size(), options, queue);
  // The request times out by itself; the margin only guards against a hang.
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 5000);
  rd_kafka_AdminOptions_destroy(options);
  destroy_requests();
  rd_kafka_queue_destroy(queue);
  if (event == nullptr) return Error{unreachable(brokers, timeout_ms, **client)};
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> owned(event,
                                                                       rd_kafka_event_destroy);
  if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event); err) {
    if (is_unreachable(err)) return Error{unreachable(brokers, timeout_ms, **client)};
    return Error{"creating topics on " + brokers + ": " + rd_kafka_event_error_string(event)};
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      result != nullptr ? rd_kafka_CreateTopics_result_topics(result, &count) : nullptr;

  for (const TopicSpec& spec : topics) {
    TopicOutcome& outcome = outcomes.emplace_back();
    outcome.name = spec.name;
    const rd_kafka_topic_result_t* found = nullptr;
    for (size_t i = 0; i < count; ++i) {
      if (spec.name == rd_kafka_topic_result_name(results[i])) found = results[i];
    }
    if (found == nullptr) {
      outcome.error = "no answer from the broker";
      continue;
    }
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(found);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      outcome.state = TopicOutcome::State::kCreated;
    } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      auto partitions = partition_count_with(**client, brokers, spec.name, timeout_ms);
      if (!partitions) {
        outcome.error = "exists, but " + partitions.error();
      } else if (*partitions != spec.partitions) {
        outcome.error = "exists with " + std::to_string(*partitions) + " partitions, not " +
                        std::to_string(spec.partitions);
      } else {
        outcome.state = TopicOutcome::State::kExists;
      }
    } else {
      const char* message = rd_kafka_topic_result_error_string(found);
      outcome.error = message != nullptr && *message != '\0' ? message : rd_kafka_err2str(err);
    }
  }
  return outcomes;
}

Result<int> partition_count(const std::string& brokers, const std::string& topic, int timeout_ms) {
  auto client = connect(brokers);
  if (!client) return Error{client.error()};
  return partition_count_with(**client, brokers, topic, timeout_ms);
}

}  // namespace ketenflow::kafka
