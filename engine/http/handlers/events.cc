// POST /v1/events (publishers only; issue 14): a partner system's events, as
// one JSON object, an array of them or NDJSON (http/event_request.h), checked
// with the engine's rules, pseudonymised and produced to the events topic by
// the gateway (http/gateway.h). The answer, EventResults, lists accepted /
// duplicate / rejected per event and comes after Kafka acknowledged the
// accepted ones; 503 when any was not delivered (sending again is harmless:
// event ids are idempotency keys). 429 with Retry-After past the token's rate,
// 413 past the events a request may hold, 404 when the gateway is off.
#include "http/handlers/handlers.h"
#include "ingest/validate.h"
#include "ketenflow/v1/api.pb.h"
#include "query/format.h"

namespace ketenflow::http::handlers {
namespace {

std::string_view status_name(EventOutcome::Status status) {
  switch (status) {
    case EventOutcome::Status::kAccepted:
      return "accepted";
    case EventOutcome::Status::kDuplicate:
      return "duplicate";
    case EventOutcome::Status::kRejected:
      return "rejected";
  }
  return "rejected";
}

}  // namespace

ApiReply events(const ApiContext& context, const ApiRequest& request) {
  if (context.gateway == nullptr) {
    return error_reply(404, "not_found", "this server runs no gateway (serve --gateway)");
  }
  if (context.rate_limiter != nullptr) {
    if (const int64_t wait_ms = context.rate_limiter->take(request.caller.name, request.now_ms)) {
      ApiReply reply = error_reply(429, "too_many_requests",
                                   "too many requests for this token; try again in " +
                                       std::to_string((wait_ms + 999) / 1000) + " s");
      reply.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
      return reply;
    }
  }
  EventRequest decoded;
  if (auto problem =
          decode_event_request(request.body, request.content_type, context.max_events, decoded)) {
    return error_reply(problem->status, problem->code, problem->message);
  }
  const std::vector<EventOutcome> outcomes =
      context.gateway->publish(request.caller.partner, decoded.events, request.now_ms);
  v1::EventResults results;
  bool undelivered = false;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const EventOutcome& outcome = outcomes[i];
    v1::EventResult& result = *results.add_events();
    result.set_index(static_cast<uint32_t>(i));
    result.set_event_id(ingest::to_valid_utf8(decoded.events[i].event_id));
    result.set_status(std::string(status_name(outcome.status)));
    result.set_code(outcome.code);
    result.set_message(ingest::to_valid_utf8(outcome.message));
    switch (outcome.status) {
      case EventOutcome::Status::kAccepted:
        results.set_accepted(results.accepted() + 1);
        break;
      case EventOutcome::Status::kDuplicate:
        results.set_duplicate(results.duplicate() + 1);
        break;
      case EventOutcome::Status::kRejected:
        results.set_rejected(results.rejected() + 1);
        undelivered = undelivered || outcome.code == "not_delivered";
        break;
    }
  }
  ApiReply reply{undelivered ? 503 : 200, "application/json",
                 query::to_json(results, false) + "\n"};
  if (undelivered) reply.headers.emplace_back("Retry-After", "5");
  return reply;
}

}  // namespace ketenflow::http::handlers
