// Benchmark helper for the Kafka path (not part of the engine):
//
//   kafka_tool consume --brokers B --topic T --count N
//       a minimal librdkafka consumer that only counts messages: the raw
//       consumption rate that `ketenflow serve` is compared against.
//   kafka_tool produce --brokers B --topic T --file EVENTS.pb --rate R
//       produces the length-delimited ClientEvents of a file at a steady R
//       messages/s (key = client_ref), for end-to-end latency runs.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <librdkafka/rdkafkacpp.h>

#include "ketenflow/v1/event.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return fallback;
}

std::unique_ptr<RdKafka::Conf> conf(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::unique_ptr<RdKafka::Conf> c(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [k, v] : kv) {
    if (c->set(k, v, error) != RdKafka::Conf::CONF_OK) {
      std::cerr << "kafka_tool: " << k << ": " << error << "\n";
      std::exit(2);
    }
  }
  return c;
}

int consume(const std::string& brokers, const std::string& topic, uint64_t count) {
  auto c = conf({{"bootstrap.servers", brokers},
                 {"group.id", "kafka-tool-" + std::to_string(getpid())},
                 {"enable.auto.commit", "false"},
                 {"auto.offset.reset", "earliest"}});
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(c.get(), error));
  if (!consumer) {
    std::cerr << "kafka_tool: " << error << "\n";
    return 1;
  }
  consumer->subscribe({topic});
  uint64_t seen = 0, bytes = 0;
  Clock::time_point start;
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  while (seen < count && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(500));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    if (seen == 0) start = Clock::now();
    ++seen;
    bytes += m->len();
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("consumed %llu messages (%llu bytes) in %.2f s: %.0f messages/s\n",
              static_cast<unsigned long long>(seen), static_cast<unsigned long long>(bytes), s,
              seen / s);
  consumer->close();
  return seen == count ? 0 : 1;
}

int produce(const std::string& brokers, const std::string& topic, const std::string& file,
            double rate) {
  auto c =
      conf({{"bootstrap.servers", brokers}, {"enable.idempotence", "true"}, {"linger.ms", "1"}});
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(c.get(), error));
  if (!producer) {
    std::cerr << "kafka_tool: " << error << "\n";
    return 1;
  }
  std::ifstream in(file, std::ios::binary);
  google::protobuf::io::IstreamInputStream stream(&in);
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(INT32_MAX);
  const auto start = Clock::now();
  uint64_t sent = 0;
  uint32_t size;
  std::string bytes;
  while (coded.ReadVarint32(&size) && coded.ReadString(&bytes, static_cast<int>(size))) {
    ketenflow::v1::ClientEvent event;
    event.ParseFromString(bytes);
    const auto due = start + std::chrono::duration<double>(sent / rate);
    std::this_thread::sleep_until(std::chrono::time_point_cast<Clock::duration>(due));
    while (producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                             bytes.data(), bytes.size(), event.client_ref().data(),
                             event.client_ref().size(), 0, nullptr) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(10);
    }
    producer->poll(0);
    ++sent;
  }
  producer->flush(60000);
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("produced %llu messages in %.2f s: %.0f messages/s\n",
              static_cast<unsigned long long>(sent), s, sent / s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const std::string brokers = arg(argc, argv, "--brokers", "127.0.0.1:9092");
  const std::string topic = arg(argc, argv, "--topic", "ketenflow.events");
  if (mode == "consume")
    return consume(brokers, topic, std::stoull(arg(argc, argv, "--count", "0")));
  if (mode == "produce") {
    return produce(brokers, topic, arg(argc, argv, "--file", ""),
                   std::stod(arg(argc, argv, "--rate", "10000")));
  }
  std::cerr << "usage: kafka_tool consume|produce --brokers B --topic T [--count N | --file F "
               "--rate R]\n";
  return 2;
}
