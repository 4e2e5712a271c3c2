// Topic administration: creates the events and dead-letter topics with
// librdkafka's admin API, so the same code serves a local broker and a
// production cluster.
//
// create_topics() is idempotent: a topic that already exists with the asked
// partition count is reported as kExists, not as an error. Each topic gets its
// own outcome; only a cluster that cannot be reached (or does not answer)
// within the timeout fails the whole call.
#pragma once

#include <string>
#include <vector>

#include "model/result.h"

namespace ketenflow::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 6;
  int replication_factor = 1;
};

struct TopicOutcome {
  enum class State { kCreated, kExists, kFailed };
  std::string name;
  State state = State::kFailed;
  // kFailed: what went wrong, e.g. "exists with 3 partitions, not 6".
  std::string error;
};

// "created", "exists" or "failed: <error>".
std::string describe(const TopicOutcome& outcome);

// Creates every topic in one request and waits up to `timeout_ms` for the
// answer. The outcomes are in the order of `topics`.
Result<std::vector<TopicOutcome>> create_topics(const std::string& brokers,
                                                const std::vector<TopicSpec>& topics,
                                                int timeout_ms);

// Partition count of an existing topic, from the cluster metadata (asks for
// all topics, so a broker with auto.create.topics.enable does not create it).
Result<int> partition_count(const std::string& brokers, const std::string& topic, int timeout_ms);

}  // namespace ketenflow::kafka
