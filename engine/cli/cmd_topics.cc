// `ketenflow topics create`: the events topic and its dead-letter topic.
//
//   ketenflow topics create --brokers B [--topic ketenflow.events] [--partitions 6]
//                           [--replication-factor 1] [--dlq-topic TOPIC.dlq] [--timeout 30]
//
// Prints one line per topic, "TOPIC: created" or "TOPIC: exists" (same
// partition count), so it can run at every start. A topic that exists with
// another partition count, or that the cluster refuses, is reported on stderr
// and makes the exit code 1; so does a cluster that cannot be reached within
// --timeout seconds.
#include <cmath>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "kafka/topics.h"

namespace ketenflow::cli {
namespace {

struct TopicsArgs {
  std::string brokers;
  std::string topic = "ketenflow.events";
  std::string dlq_topic;
  int partitions = 6;
  int replication_factor = 1;
  double timeout_s = 30;
};

int run_create(const TopicsArgs& args) {
  const std::string dlq = args.dlq_topic.empty() ? args.topic + ".dlq" : args.dlq_topic;
  if (dlq == args.topic) return fail("--dlq-topic must differ from --topic");
  const std::vector<kafka::TopicSpec> specs = {
      {args.topic, args.partitions, args.replication_factor},
      {dlq, args.partitions, args.replication_factor}};
  const int timeout_ms = static_cast<int>(std::lround(args.timeout_s * 1000));
  auto outcomes = kafka::create_topics(args.brokers, specs, timeout_ms);
  if (!outcomes) return fail(outcomes.error());
  int exit_code = 0;
  for (const kafka::TopicOutcome& outcome : *outcomes) {
    if (outcome.state == kafka::TopicOutcome::State::kFailed) {
      exit_code = fail(outcome.name + ": " + outcome.error);
    } else {
      std::cout << outcome.name << ": " << kafka::describe(outcome) << "\n";
    }
  }
  return exit_code;
}

}  // namespace

void add_topics_command(CLI::App& app, int& exit_code) {
  CLI::App* topics = app.add_subcommand("topics", "Manage the Kafka topics of ketenflow");
  topics->require_subcommand(1);

  auto args = std::make_shared<TopicsArgs>();
  CLI::App* create = topics->add_subcommand(
      "create", "Create the events topic and its dead-letter topic (existing ones are kept)");
  create->add_option("--brokers", args->brokers, "Kafka bootstrap servers (host:port,...)")
      ->required();
  create->add_option("--topic", args->topic, "Events topic")->capture_default_str();
  create->add_option("--partitions", args->partitions, "Partitions of both topics")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  create->add_option("--replication-factor", args->replication_factor, "Replicas per partition")
      ->capture_default_str()
      ->check(CLI::Range(1, 32767));
  create->add_option("--dlq-topic", args->dlq_topic, "Dead-letter topic (default: TOPIC.dlq)");
  create->add_option("--timeout", args->timeout_s, "Seconds to wait for the cluster")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  create->callback([args, &exit_code] { exit_code = run_create(*args); });
}

}  // namespace ketenflow::cli
