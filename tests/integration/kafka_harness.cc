#include "kafka_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <librdkafka/rdkafkacpp.h>
#include <nlohmann/json.hpp>

namespace ketenflow::it::kafka {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string tail_lines(const std::string& text, size_t lines) {
  size_t pos = text.size();
  size_t seen = 0;
  while (pos > 0) {
    const size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    if (nl + 1 < text.size() && ++seen > lines) return text.substr(nl + 1);
    pos = nl;
  }
  return text;
}

std::string last_nonempty_line(const std::string& text) {
  const std::vector<std::string> lines = split_lines(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!it->empty()) return *it;
  }
  return "";
}

std::unique_ptr<RdKafka::Conf> make_conf(const std::map<std::string, std::string>& settings) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : settings) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
      throw std::runtime_error("librdkafka setting " + name + "=" + value + ": " + error);
    }
  }
  return conf;
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// A plain (non-idempotent) producer handle, only for metadata queries.
std::unique_ptr<RdKafka::Producer> metadata_handle(const std::string& brokers) {
  auto conf = make_conf(
      {{"bootstrap.servers", brokers}, {"client.id", "ketenflow-it-metadata-" + unique_suffix()}});
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("creating a librdkafka producer: " + error);
  return producer;
}

std::unique_ptr<RdKafka::KafkaConsumer> make_consumer(
    const std::map<std::string, std::string>& settings) {
  auto conf = make_conf(settings);
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error("creating a librdkafka consumer: " + error);
  return consumer;
}

int32_t partitions_of(RdKafka::Handle& handle, const std::string& topic) {
  std::string error;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(&handle, topic, nullptr, error));
  if (!t) throw std::runtime_error("topic handle " + topic + ": " + error);
  std::string last_error;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    RdKafka::Metadata* raw = nullptr;
    const RdKafka::ErrorCode err = handle.metadata(false, t.get(), &raw, 5000);
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (err != RdKafka::ERR_NO_ERROR) {
      last_error = RdKafka::err2str(err);
    } else {
      for (const RdKafka::TopicMetadata* tm : *md->topics()) {
        if (tm->topic() != topic) continue;
        if (tm->err() != RdKafka::ERR_NO_ERROR) {
          last_error = RdKafka::err2str(tm->err());
        } else if (!tm->partitions()->empty()) {
          return static_cast<int32_t>(tm->partitions()->size());
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("no metadata for topic " + topic + ": " + last_error);
}

class DeliveryCollector : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryCollector(std::vector<Delivery>* out) : out_(out) {}
  void dr_cb(RdKafka::Message& message) override {
    const auto index = reinterpret_cast<uintptr_t>(message.msg_opaque());
    if (index >= out_->size()) return;
    Delivery& d = (*out_)[index];
    d.partition = message.partition();
    d.offset = message.offset();
    d.error = message.err() == RdKafka::ERR_NO_ERROR ? "" : message.errstr();
    ++reported;
  }
  size_t reported = 0;

 private:
  std::vector<Delivery>* out_;
};

}  // namespace

// ---------------------------------------------------------------------------
// Broker

std::string kafka_sh() {
  return (std::filesystem::path(source_dir()) / "deploy" / "kafka" / "kafka.sh").string();
}

Broker::Broker() {
  const std::string dir = dir_ / "kafka";
  const RunResult r = run({kafka_sh(), "start", dir}, std::chrono::minutes(3));
  bootstrap_ = last_nonempty_line(r.out);
  if (!r.exited() || r.exit_code != 0 || bootstrap_.empty()) {
    run({kafka_sh(), "stop", dir}, std::chrono::minutes(1));
    throw std::runtime_error("kafka.sh start failed:\n" + r.describe());
  }
}

Broker::~Broker() { stop(); }

RunResult Broker::stop() {
  return run({kafka_sh(), "stop", dir_ / "kafka"}, std::chrono::minutes(1));
}

void Broker::restart() {
  const RunResult r = run({kafka_sh(), "restart", dir_ / "kafka"}, std::chrono::minutes(3));
  if (!r.exited() || r.exit_code != 0) {
    throw std::runtime_error("kafka.sh restart failed:\n" + r.describe());
  }
  const std::string again = last_nonempty_line(r.out);
  if (again != bootstrap_) {
    throw std::runtime_error("kafka.sh restart moved the broker from " + bootstrap_ + " to " +
                             again);
  }
}

std::string Broker::log_tail(size_t lines) const {
  try {
    return tail_lines(read_file(dir_.path() / "kafka" / "broker.log"), lines);
  } catch (const std::exception& e) {
    return e.what();
  }
}

// ---------------------------------------------------------------------------
// Process

Process::Process(const std::vector<std::string>& argv, std::string log_file)
    : log_file_(std::move(log_file)) {
  if (argv.empty()) throw std::runtime_error("Process: empty command");
  const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("open " + log_file_ + ": " + std::strerror(errno));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    // Child: async-signal-safe calls only.
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::close(devnull);
    }
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execvp(args[0], args.data());
    const char msg[] = "kafka harness: exec failed\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(log_fd);
}

Process::~Process() {
  if (pid_ > 0 && !ended_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    ended_ = true;
  }
}

void Process::reap(int status) {
  ended_ = true;
  if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
}

bool Process::running() {
  if (ended_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reap(status);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (!ended_) ::kill(pid_, sig);
}

bool Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string Process::describe_state() {
  if (running()) return "running";
  if (exit_code_ >= 0) return "exit " + std::to_string(exit_code_);
  return "signal " + std::to_string(term_signal_);
}

std::string Process::log(size_t max_bytes) const {
  std::string text;
  try {
    text = read_file(log_file_);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (text.size() <= max_bytes) return text;
  return "…" + text.substr(text.size() - max_bytes);
}

std::vector<std::string> serve_argv(const ServeOptions& o) {
  std::vector<std::string> argv{bin(),       "serve",   "--data",  o.data,  "--chains", o.chains,
                                "--brokers", o.brokers, "--topic", o.topic, "--group",  o.group};
  argv.insert(argv.end(), o.extra.begin(), o.extra.end());
  return argv;
}

// ---------------------------------------------------------------------------
// Status

std::map<int32_t, Position> StoreStatus::kafka_positions(const std::string& topic) const {
  std::map<int32_t, Position> out;
  const std::string prefix = "kafka:" + topic + "/";
  for (const Position& p : positions) {
    if (p.source.rfind(prefix, 0) != 0) continue;
    const std::string rest = p.source.substr(prefix.size());
    if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos) continue;
    out[static_cast<int32_t>(std::stol(rest))] = p;
  }
  return out;
}

std::string StoreStatus::brief() const {
  if (!ok) return "status failed: " + error;
  return "accepted " + std::to_string(accepted) + ", duplicates " + std::to_string(duplicates) +
         ", rejected " + std::to_string(rejected) + " (" + std::to_string(processed()) +
         " processed)";
}

StoreStatus store_status(const std::string& data) {
  StoreStatus s;
  const RunResult r =
      ketenflow({"status", "--data", data, "--format", "json"}, std::chrono::seconds(30));
  s.text = r.out;
  if (!r.exited() || r.exit_code != 0) {
    s.error = r.describe();
    return s;
  }
  try {
    const json j = json::parse(r.out);
    s.accepted = j.at("accepted").get<uint64_t>();
    s.duplicates = j.at("duplicates").get<uint64_t>();
    s.rejected = j.at("rejected").get<uint64_t>();
    if (j.contains("positions")) {
      for (const json& p : j.at("positions")) {
        Position pos;
        pos.source = p.at("source").get<std::string>();
        if (p.contains("offset")) pos.offset = p.at("offset").get<int64_t>();
        if (p.contains("records")) pos.records = p.at("records").get<uint64_t>();
        s.positions.push_back(pos);
      }
    }
    s.ok = true;
  } catch (const json::exception& e) {
    s.error = std::string("unexpected status JSON (") + e.what() + "): " + r.out.substr(0, 2000);
  }
  return s;
}

WaitResult wait_for_status(const std::string& data,
                           const std::function<bool(const StoreStatus&)>& done,
                           std::chrono::milliseconds timeout, Process* serve,
                           std::chrono::milliseconds interval) {
  WaitResult w;
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  std::string first_error;
  while (true) {
    const bool serve_ended = serve != nullptr && !serve->running();
    w.last = store_status(data);
    if (!w.last.ok && first_error.empty()) first_error = w.last.error;
    if (w.last.ok && done(w.last)) {
      w.ok = true;
      break;
    }
    if (serve_ended) {
      w.message = "serve is no longer running (" + serve->describe_state() + ")";
      break;
    }
    if (Clock::now() >= deadline) {
      w.message = "timed out after " + std::to_string(timeout.count() / 1000.0) + " s";
      break;
    }
    std::this_thread::sleep_for(interval);
  }
  w.elapsed = Clock::now() - started;
  if (!w.ok) {
    w.message += "; last status: " + w.last.brief();
    if (!first_error.empty() && first_error != w.last.error) {
      w.message += "\nfirst status error: " + first_error;
    }
    if (serve != nullptr) w.message += "\nserve log (" + serve->log_file() + "):\n" + serve->log();
  }
  return w;
}

WaitResult wait_for_processed(const std::string& data, uint64_t total,
                              std::chrono::milliseconds timeout, Process* serve) {
  WaitResult w = wait_for_status(
      data, [total](const StoreStatus& s) { return s.processed() >= total; }, timeout, serve);
  if (w.ok && w.last.processed() != total) {
    w.ok = false;
    w.message = "processed " + std::to_string(w.last.processed()) + " records, expected exactly " +
                std::to_string(total) + ": " + w.last.brief();
  } else if (!w.ok) {
    w.message =
        "waiting for accepted+duplicates+rejected == " + std::to_string(total) + ": " + w.message;
  }
  return w;
}

// ---------------------------------------------------------------------------
// librdkafka clients

std::vector<Delivery> produce(const std::string& brokers, const std::string& topic,
                              const std::vector<OutMessage>& messages,
                              std::chrono::milliseconds timeout) {
  std::vector<Delivery> deliveries(messages.size());
  for (Delivery& d : deliveries) d.error = "no delivery report";
  DeliveryCollector collector(&deliveries);
  auto conf = make_conf({{"bootstrap.servers", brokers},
                         {"client.id", "ketenflow-it-producer-" + unique_suffix()},
                         {"enable.idempotence", "true"},
                         {"acks", "all"},
                         {"linger.ms", "5"},
                         {"message.max.bytes", "2000000"}});
  std::string error;
  if (conf->set("dr_cb", &collector, error) != RdKafka::Conf::CONF_OK) {
    throw std::runtime_error("dr_cb: " + error);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("creating a librdkafka producer: " + error);

  const auto deadline = Clock::now() + timeout;
  for (size_t i = 0; i < messages.size(); ++i) {
    const OutMessage& m = messages[i];
    while (true) {
      RdKafka::Headers* headers = nullptr;
      if (!m.headers.empty()) {
        headers = RdKafka::Headers::create();
        for (const auto& [k, v] : m.headers) headers->add(k, v.data(), v.size());
      }
      const RdKafka::ErrorCode err = producer->produce(
          topic, m.partition < 0 ? RdKafka::Topic::PARTITION_UA : m.partition,
          RdKafka::Producer::RK_MSG_COPY, m.value ? const_cast<char*>(m.value->data()) : nullptr,
          m.value ? m.value->size() : 0, m.key ? m.key->data() : nullptr, m.key ? m.key->size() : 0,
          0, headers, reinterpret_cast<void*>(static_cast<uintptr_t>(i)));
      if (err == RdKafka::ERR_NO_ERROR) break;
      delete headers;  // not taken over when produce() fails
      if (err != RdKafka::ERR__QUEUE_FULL || Clock::now() >= deadline) {
        deliveries[i].error = "produce: " + RdKafka::err2str(err);
        break;
      }
      producer->poll(100);
    }
    producer->poll(0);
  }
  while (producer->outq_len() > 0 && Clock::now() < deadline) producer->poll(100);
  producer->poll(0);
  if (producer->outq_len() > 0) {
    throw std::runtime_error("produce to " + topic + ": " + std::to_string(producer->outq_len()) +
                             " messages still queued after " +
                             std::to_string(timeout.count() / 1000) + " s");
  }
  return deliveries;
}

std::optional<std::string> Record::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v ? *v : std::string();
  }
  return std::nullopt;
}

int32_t partition_count(const std::string& brokers, const std::string& topic) {
  auto handle = metadata_handle(brokers);
  return partitions_of(*handle, topic);
}

std::map<int32_t, int64_t> end_offsets(const std::string& brokers, const std::string& topic) {
  auto handle = metadata_handle(brokers);
  const int32_t n = partitions_of(*handle, topic);
  std::map<int32_t, int64_t> out;
  for (int32_t p = 0; p < n; ++p) {
    int64_t low = -1;
    int64_t high = -1;
    const RdKafka::ErrorCode err = handle->query_watermark_offsets(topic, p, &low, &high, 10000);
    if (err != RdKafka::ERR_NO_ERROR) {
      throw std::runtime_error("watermarks of " + topic + "/" + std::to_string(p) + ": " +
                               RdKafka::err2str(err));
    }
    out[p] = high;
  }
  return out;
}

std::map<int32_t, int64_t> committed_offsets(const std::string& brokers, const std::string& topic,
                                             const std::string& group) {
  auto consumer = make_consumer({{"bootstrap.servers", brokers},
                                 {"group.id", group},
                                 {"client.id", "ketenflow-it-lag-" + unique_suffix()},
                                 {"enable.auto.commit", "false"}});
  const int32_t n = partitions_of(*consumer, topic);
  std::vector<RdKafka::TopicPartition*> parts;
  for (int32_t p = 0; p < n; ++p) parts.push_back(RdKafka::TopicPartition::create(topic, p));
  const RdKafka::ErrorCode err = consumer->committed(parts, 10000);
  std::map<int32_t, int64_t> out;
  for (RdKafka::TopicPartition* tp : parts) {
    out[tp->partition()] = tp->offset();
  }
  RdKafka::TopicPartition::destroy(parts);
  consumer->close();
  if (err != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("committed offsets of group " + group + ": " + RdKafka::err2str(err));
  }
  return out;
}

ConsumeResult consume_all(const std::string& brokers, const std::string& topic, size_t min_records,
                          std::chrono::milliseconds timeout) {
  ConsumeResult result;
  auto consumer = make_consumer({{"bootstrap.servers", brokers},
                                 {"group.id", "ketenflow-it-reader-" + unique_suffix()},
                                 {"client.id", "ketenflow-it-reader-" + unique_suffix()},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "true"},
                                 {"auto.offset.reset", "earliest"}});
  const int32_t n = partitions_of(*consumer, topic);
  std::vector<RdKafka::TopicPartition*> parts;
  for (int32_t p = 0; p < n; ++p) {
    parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  RdKafka::ErrorCode err = consumer->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (err != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("assign " + topic + ": " + RdKafka::err2str(err));
  }
  std::vector<bool> at_end(static_cast<size_t>(n), false);
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR: {
        Record r;
        r.topic = m->topic_name();
        r.partition = m->partition();
        r.offset = m->offset();
        if (m->key() != nullptr) r.key = *m->key();
        if (m->payload() != nullptr) {
          r.value = std::string(static_cast<const char*>(m->payload()), m->len());
        }
        if (RdKafka::Headers* h = m->headers(); h != nullptr) {
          for (const RdKafka::Headers::Header& header : h->get_all()) {
            std::optional<std::string> v;
            if (header.value() != nullptr)
              v = std::string(header.value_string(), header.value_size());
            r.headers.emplace_back(header.key(), v);
          }
        }
        if (r.partition >= 0 && r.partition < n) at_end[static_cast<size_t>(r.partition)] = false;
        result.records.push_back(std::move(r));
        break;
      }
      case RdKafka::ERR__PARTITION_EOF:
        if (m->partition() >= 0 && m->partition() < n) {
          at_end[static_cast<size_t>(m->partition())] = true;
        }
        break;
      case RdKafka::ERR__TIMED_OUT:
        break;
      default:
        result.error = m->errstr();
        break;
    }
    const bool all_at_end = std::all_of(at_end.begin(), at_end.end(), [](bool b) { return b; });
    if (all_at_end && result.records.size() >= min_records) {
      result.complete = true;
      break;
    }
  }
  consumer->close();
  if (!result.complete && result.error.empty()) {
    result.error = "read " + std::to_string(result.records.size()) + " records of " + topic +
                   " (want at least " + std::to_string(min_records) + ") in " +
                   std::to_string(timeout.count() / 1000.0) + " s";
  }
  return result;
}

bool record_contains(const Record& record, const std::string& needle) {
  if (record.key && record.key->find(needle) != std::string::npos) return true;
  if (record.value && record.value->find(needle) != std::string::npos) return true;
  for (const auto& [k, v] : record.headers) {
    if (k.find(needle) != std::string::npos) return true;
    if (v && v->find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace ketenflow::it::kafka
