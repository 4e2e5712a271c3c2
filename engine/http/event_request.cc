#include "http/event_request.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "ingest/identifiers.h"

namespace ketenflow::http {
namespace {

using nlohmann::json;

DecodedEvent decode_element(json element) {
  DecodedEvent out;
  if (!element.is_object()) {
    out.error = "an event is a JSON object (a ClientEvent in the protobuf JSON mapping)";
    return out;
  }
  if (auto id = element.find("eventId"); id != element.end() && id->is_string()) {
    out.event_id = ingest::mask_identifiers(id->get<std::string>());
  }
  if (auto raw = element.find(kIdentifierField); raw != element.end()) {
    if (!raw->is_string()) {
      out.error = "\"identifier\" must be a string";
      return out;
    }
    out.identifier = raw->get<std::string>();
    element.erase(raw);
  }
  v1::ClientEvent event;
  const auto status = google::protobuf::util::JsonStringToMessage(
      element.dump(-1, ' ', false, json::error_handler_t::replace), &event, {});
  if (!status.ok()) {
    out.error =
        ingest::mask_identifiers("not a ClientEvent in JSON: " + std::string(status.message()));
    return out;
  }
  out.event = std::move(event);
  return out;
}

// A syntax error names its byte only: the parser's own message quotes what
// it read, which may be the raw identifier.
std::string syntax_error(const json::parse_error& e) {
  return "not JSON (syntax error at byte " + std::to_string(e.byte) + ")";
}

// Events are flat (attributes are strings): deeper nesting is refused before
// parsing, so no recursion over a hostile document (dump, destruction) can
// exhaust a worker's stack. Brackets inside strings do not count.
constexpr int kMaxDepth = 16;

bool nested_too_deeply(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

constexpr std::string_view kTooDeep = "JSON nested more than 16 levels deep";

// nlohmann throws out_of_range (not parse_error) for a number past a double
// (found by tests/fuzz/fuzz_event_request).
constexpr std::string_view kOutOfRange = "not JSON (a number out of range)";

std::optional<RequestProblem> too_many(size_t max_events) {
  return RequestProblem{413, "too_large",
                        "a request holds at most " + std::to_string(max_events) +
                            " events; send the rest in another request"};
}

}  // namespace

std::string media_type(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  std::string out(type);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<RequestProblem> decode_event_request(std::string_view body,
                                                   std::string_view content_type, size_t max_events,
                                                   EventRequest& out) {
  out.events.clear();
  const std::string type = media_type(content_type);
  if (type == "application/x-ndjson") {
    size_t start = 0;
    while (start < body.size()) {
      size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      std::string_view line = body.substr(start, end - start);
      start = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      if (out.events.size() >= max_events) return too_many(max_events);
      if (nested_too_deeply(line)) {
        out.events.push_back({std::nullopt, std::nullopt, std::string(kTooDeep), ""});
        continue;
      }
      json element;
      try {
        element = json::parse(line);
      } catch (const json::parse_error& e) {
        out.events.push_back({std::nullopt, std::nullopt, syntax_error(e), ""});
        continue;
      } catch (const json::exception&) {
        out.events.push_back({std::nullopt, std::nullopt, std::string(kOutOfRange), ""});
        continue;
      }
      out.events.push_back(decode_element(std::move(element)));
    }
    if (out.events.empty()) return RequestProblem{400, "bad_request", "the request holds no event"};
    return std::nullopt;
  }
  if (type != "application/json") {
    return RequestProblem{415, "unsupported_media_type",
                          "send Content-Type application/json (an event or an array of "
                          "events) or application/x-ndjson (one event per line)"};
  }
  if (nested_too_deeply(body)) return RequestProblem{400, "bad_request", std::string(kTooDeep)};
  json document;
  try {
    document = json::parse(body);
  } catch (const json::parse_error& e) {
    return RequestProblem{400, "bad_request", syntax_error(e)};
  } catch (const json::exception&) {
    return RequestProblem{400, "bad_request", std::string(kOutOfRange)};
  }
  if (document.is_array()) {
    if (document.size() > max_events) return too_many(max_events);
    if (document.empty()) return RequestProblem{400, "bad_request", "the request holds no event"};
    for (json& element : document) out.events.push_back(decode_element(std::move(element)));
    return std::nullopt;
  }
  if (!document.is_object()) {
    return RequestProblem{400, "bad_request", "send an event object or an array of them"};
  }
  out.events.push_back(decode_element(std::move(document)));
  return std::nullopt;
}

}  // namespace ketenflow::http
