// The body of POST /v1/events (issue 14, the HTTP gateway) decoded into events,
// before any check against a chain. Pure functions: no I/O, no state, safe on
// any thread.
//
// Forms: Content-Type application/json with one event object or an array of
// them, or application/x-ndjson with one object per line (blank lines are
// skipped). Each event is a ClientEvent in the protobuf JSON mapping, plus an
// optional "identifier": the raw identifier (a BSN, a case number) that the
// gateway turns into client_ref with the partner's key. An element that is not
// a ClientEvent gets its own decode_error, so every event gets an answer; only
// a body that is no JSON at all (application/json), an unknown content type or
// more than `max_events` events fails the whole request.
//
// No message here ever quotes the "identifier" value, and every message has
// BSN-like numbers and e-mail addresses masked (ingest::mask_identifiers).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ketenflow/v1/event.pb.h"

namespace ketenflow::http {

// The request field that carries a raw identifier.
inline constexpr std::string_view kIdentifierField = "identifier";

// Default bounds of one request (serve --gateway-max-events / -bytes).
inline constexpr size_t kDefaultMaxEvents = 500;
inline constexpr size_t kDefaultMaxEventBytes = 1024 * 1024;

struct DecodedEvent {
  // Set when the element decoded.
  std::optional<v1::ClientEvent> event;
  // The raw identifier, when the element carried one (never logged).
  std::optional<std::string> identifier;
  // Empty when `event` is set: why the element is not an event.
  std::string error;
  // "eventId" of the element when it has a string one, for the answer (also
  // of an element that did not decode).
  std::string event_id;
};

struct EventRequest {
  std::vector<DecodedEvent> events;
};

struct RequestProblem {
  int status = 400;  // 400 bad_request, 413 too_large, 415 unsupported_media_type
  std::string code;
  std::string message;
};

// The media type of a Content-Type value, lower case, without parameters
// ("application/json; charset=utf-8" -> "application/json").
std::string media_type(std::string_view content_type);

// Decodes `body` sent with `content_type`; at most `max_events` events.
// Returns the problem of the whole request, or nullopt and fills `out`.
std::optional<RequestProblem> decode_event_request(std::string_view body,
                                                   std::string_view content_type, size_t max_events,
                                                   EventRequest& out);

}  // namespace ketenflow::http
