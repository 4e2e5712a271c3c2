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
    // Client errors also reach the caller (consume() errors, delivery
    // reports), which says them once; here only librdkafka's own warnings.
    if (event.type() == RdKafka::Event::EVENT_LOG &&
        event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
      log_("warn", "kafka " + event.fac() + ": " + event.str());
    }
  }

  // For the owner's own messages.
  void say(std::string_view level, const std::string& message) const { log_(level, message); }

 private:
  Log log_;
};

}  // namespace ketenflow::kafka
