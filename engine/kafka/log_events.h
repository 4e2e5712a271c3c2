// librdkafka's own log lines and client errors, routed to the engine's log
// instead of librdkafka's default stderr printer.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <librdkafka/rdkafkacpp.h>

namespace ketenflow::kafka {

using Log = std::function<void(std::string_view level, const std::string& message)>;

class LogEvents : public RdKafka::EventCb {
 public:
  explicit LogEvents(Log log) : log_(std::move(log)) {}
  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        log_(event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING ? "warn" : "info",
             "kafka " + event.fac() + ": " + event.str());
        break;
      case RdKafka::Event::EVENT_ERROR:
        log_("warn", "kafka: " + RdKafka::err2str(event.err()) + ": " + event.str());
        break;
      default:
        break;
    }
  }

 private:
  Log log_;
};

}  // namespace ketenflow::kafka
