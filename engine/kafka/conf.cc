#include "kafka/conf.h"

namespace ketenflow::kafka {

Result<std::unique_ptr<RdKafka::Conf>> make_conf(const Settings& settings) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : settings) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
      return Error{"kafka setting " + name + "=" + value + ": " + error};
    }
  }
  return conf;
}

Settings producer_settings(const std::string& brokers, const std::string& client_id) {
  return {{"bootstrap.servers", brokers},
          {"client.id", client_id},
          {"enable.idempotence", "true"},
          {"acks", "all"},
          {"linger.ms", "5"},
          {"message.timeout.ms", "300000"}};
}

}  // namespace ketenflow::kafka
