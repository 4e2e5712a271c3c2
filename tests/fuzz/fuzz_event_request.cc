// Fuzz target: the POST /v1/events request decoder (engine/http/event_request.cc): the first
// byte picks the Content-Type (JSON or NDJSON), the rest is the body; at most 50 events. Every
// decoded element either is an event or says why not. Seeds: corpus/fuzz_event_request/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/event_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view type = (data[0] & 1) ? "application/x-ndjson" : "application/json";
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  ketenflow::http::EventRequest out;
  if (auto problem = ketenflow::http::decode_event_request(body, type, 50, out)) {
    if (problem->message.empty() || (!out.events.empty() && problem->status != 413)) std::abort();
    return 0;
  }
  if (out.events.empty() || out.events.size() > 50) std::abort();
  for (const auto& event : out.events) {
    if (event.event.has_value() == !event.error.empty()) std::abort();
  }
  return 0;
}
