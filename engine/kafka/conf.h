// librdkafka configuration from plain key/value pairs, with errors as Results.
// The only folder that includes librdkafka is engine/kafka/ (and the Kafka
// commands that use it); everything below works without Kafka.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <librdkafka/rdkafkacpp.h>

#include "model/result.h"

namespace ketenflow::kafka {

using Settings = std::map<std::string, std::string>;

// A global configuration with every setting applied; the error names the
// setting librdkafka refused.
Result<std::unique_ptr<RdKafka::Conf>> make_conf(const Settings& settings);

// Settings of the idempotent producer used by publishers and the dead-letter
// outbox: acks=all, ordered, no duplicates within a session.
Settings producer_settings(const std::string& brokers, const std::string& client_id);

}  // namespace ketenflow::kafka
