// POST /v1/events before any chain check: the request decoder
// (http/event_request.h), the per-token rate limit (http/rate_limit.h) and
// the route handler's own answers with a gateway stand-in.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "http/event_request.h"
#include "http/handlers/handlers.h"
#include "http/rate_limit.h"

namespace ketenflow::http {
namespace {

constexpr const char* kEvent =
    R"({"eventId":"e1","chainId":"c","clientRef":"p-1","type":"aanmelding","partnerId":"wmo",)"
    R"("occurredAt":"2026-03-01T10:00:00Z"})";

TEST(EventRequest, AJsonObjectIsOneEvent) {
  EventRequest out;
  ASSERT_FALSE(decode_event_request(kEvent, "application/json", 10, out));
  ASSERT_EQ(out.events.size(), 1u);
  ASSERT_TRUE(out.events[0].event);
  EXPECT_EQ(out.events[0].event->event_id(), "e1");
  EXPECT_EQ(out.events[0].event->partner_id(), "wmo");
  EXPECT_EQ(out.events[0].event->occurred_at().seconds(), 1772359200);
  EXPECT_EQ(out.events[0].event_id, "e1");
  EXPECT_FALSE(out.events[0].identifier);
}

TEST(EventRequest, AJsonArrayIsOneEventPerElementAndABadElementIsOnlyItself) {
  EventRequest out;
  const std::string body = std::string("[") + kEvent + R"(, 42, {"eventId":"e3","bogus":1}])";
  ASSERT_FALSE(decode_event_request(body, "application/json; charset=utf-8", 10, out));
  ASSERT_EQ(out.events.size(), 3u);
  EXPECT_TRUE(out.events[0].event);
  EXPECT_FALSE(out.events[1].event);
  EXPECT_EQ(out.events[1].error,
            "an event is a JSON object (a ClientEvent in the protobuf JSON mapping)");
  EXPECT_FALSE(out.events[2].event);
  EXPECT_EQ(out.events[2].event_id, "e3");
  EXPECT_TRUE(out.events[2].error.starts_with("not a ClientEvent in JSON: "))
      << out.events[2].error;
}

TEST(EventRequest, NdjsonIsOneEventPerNonBlankLineAndABrokenLineIsOnlyItself) {
  EventRequest out;
  const std::string body = std::string(kEvent) + "\n\n  \r\n{not json\n" + kEvent + "\n";
  ASSERT_FALSE(decode_event_request(body, "Application/X-NDJSON", 10, out));
  ASSERT_EQ(out.events.size(), 3u);
  EXPECT_TRUE(out.events[0].event);
  EXPECT_FALSE(out.events[1].event);
  EXPECT_EQ(out.events[1].error, "not JSON (syntax error at byte 3)");  // after "{no"
  EXPECT_TRUE(out.events[2].event);
}

TEST(EventRequest, TheIdentifierIsTakenOutOfTheEventAndNeverQuotedInAnError) {
  EventRequest out;
  const std::string body =
      R"([{"eventId":"e1","chainId":"c","type":"t","identifier":" Z-2024-77 ",)"
      R"("occurredAt":"2026-03-01T10:00:00Z"},)"
      R"({"eventId":"e2","identifier":"Z-2024-78","occurredAt":"yesterday"},)"
      R"({"eventId":"e3","identifier":123456782}])";
  ASSERT_FALSE(decode_event_request(body, "application/json", 10, out));
  ASSERT_EQ(out.events.size(), 3u);
  ASSERT_TRUE(out.events[0].event);
  EXPECT_EQ(*out.events[0].identifier, " Z-2024-77 ");
  EXPECT_EQ(out.events[0].event->client_ref(), "");
  EXPECT_EQ(out.events[0].event->attributes_size(), 0);
  EXPECT_FALSE(out.events[1].event);
  EXPECT_EQ(out.events[1].error.find("Z-2024-78"), std::string::npos) << out.events[1].error;
  EXPECT_EQ(out.events[2].error, "\"identifier\" must be a string");
}

TEST(EventRequest, ASyntaxErrorNamesItsByteAndNotWhatItRead) {
  EventRequest out;
  auto problem = decode_event_request(R"({"identifier":"123456782)", "application/json", 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 400);
  EXPECT_EQ(problem->code, "bad_request");
  EXPECT_EQ(problem->message.find("123456782"), std::string::npos) << problem->message;
  EXPECT_TRUE(problem->message.starts_with("not JSON (syntax error at byte ")) << problem->message;
}

TEST(EventRequest, MoreEventsThanTheLimitAre413InEveryForm) {
  EventRequest out;
  const std::string array = std::string("[") + kEvent + "," + kEvent + "," + kEvent + "]";
  auto problem = decode_event_request(array, "application/json", 2, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 413);
  EXPECT_EQ(problem->message, "a request holds at most 2 events; send the rest in another request");
  const std::string lines = std::string(kEvent) + "\n" + kEvent + "\n" + kEvent + "\n";
  problem = decode_event_request(lines, "application/x-ndjson", 2, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 413);
  EXPECT_FALSE(decode_event_request(array, "application/json", 3, out));
  EXPECT_EQ(out.events.size(), 3u);
}

TEST(EventRequest, EmptyScalarDeepAndUntypedBodiesAreRefusedWhole) {
  EventRequest out;
  auto problem = decode_event_request("[]", "application/json", 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->message, "the request holds no event");
  problem = decode_event_request("\n\n", "application/x-ndjson", 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->message, "the request holds no event");
  problem = decode_event_request("\"e1\"", "application/json", 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->message, "send an event object or an array of them");
  problem = decode_event_request(std::string(100, '[') + std::string(100, ']'), "application/json",
                                 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->message, "JSON nested more than 16 levels deep");
  problem = decode_event_request(kEvent, "text/plain", 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 415);
  EXPECT_EQ(problem->code, "unsupported_media_type");
}

TEST(EventRequest, ANumberPastADoubleIsADecodeErrorNotAnException) {
  EventRequest out;
  ASSERT_FALSE(decode_event_request("336656e661", "application/x-ndjson", 10, out));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].error, "not JSON (a number out of range)");
  auto problem = decode_event_request(R"({"eventId":1e999})", "application/json", 10, out);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 400);
  EXPECT_EQ(problem->message, "not JSON (a number out of range)");
}

TEST(EventRequest, BracketsInsideStringsDoNotCountAsNesting) {
  EventRequest out;
  const std::string body =
      R"({"eventId":"[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{{{{{{{{","chainId":"c",)"
      R"("type":"t","occurredAt":"2026-03-01T10:00:00Z"})";
  ASSERT_FALSE(decode_event_request(body, "application/json", 10, out));
  ASSERT_TRUE(out.events[0].event);
  EXPECT_EQ(out.events[0].event->event_id(), "[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{{{{{{{{");
}

TEST(RateLimiter, ATokenGetsItsBurstThenWaitsForTheRateAndOthersAreUnaffected) {
  RateLimiter limiter(2, 3);  // 2 per second, 3 at once
  EXPECT_EQ(limiter.take("a", 1000), 0);
  EXPECT_EQ(limiter.take("a", 1000), 0);
  EXPECT_EQ(limiter.take("a", 1000), 0);
  EXPECT_EQ(limiter.take("a", 1000), 500);
  EXPECT_EQ(limiter.take("b", 1000), 0);
  EXPECT_EQ(limiter.take("a", 1250), 250);
  EXPECT_EQ(limiter.take("a", 1500), 0);
  EXPECT_EQ(RateLimiter(0, 1).take("a", 0), 0);
}

// Accepts every event, counting them.
class CountingGateway : public EventGateway {
 public:
  std::vector<EventOutcome> publish(const std::string& partner, std::vector<DecodedEvent>& events,
                                    int64_t) override {
    partner_ = partner;
    calls_ += 1;
    std::vector<EventOutcome> out;
    for (const DecodedEvent& e : events) {
      out.push_back(e.event
                        ? EventOutcome{EventOutcome::Status::kAccepted, "", ""}
                        : EventOutcome{EventOutcome::Status::kRejected, "decode_error", e.error});
    }
    return out;
  }
  std::string partner_;
  int calls_ = 0;
};

ApiRequest publisher_request(std::string body) {
  ApiRequest request;
  request.route = "/v1/events";
  request.caller = {"wmo-system", Role::kPublisher, "wmo"};
  request.now_ms = 10'000;
  request.body = std::move(body);
  request.content_type = "application/json";
  return request;
}

TEST(EventsRoute, AnswersEveryEventInOrderWithCounts) {
  const ketenflow::testing::ApiFixture fixture;
  CountingGateway gateway;
  ApiContext context = fixture.context();
  context.gateway = &gateway;
  const ApiReply reply =
      handlers::events(context, publisher_request(std::string("[") + kEvent + ",7]"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(gateway.partner_, "wmo");
  const auto json = nlohmann::json::parse(reply.body);
  EXPECT_EQ(json["accepted"], 1);
  EXPECT_EQ(json["duplicate"], 0);
  EXPECT_EQ(json["rejected"], 1);
  EXPECT_EQ(json["events"][0]["status"], "accepted");
  EXPECT_EQ(json["events"][0]["eventId"], "e1");
  EXPECT_EQ(json["events"][1]["index"], 1);
  EXPECT_EQ(json["events"][1]["status"], "rejected");
  EXPECT_EQ(json["events"][1]["code"], "decode_error");
}

TEST(EventsRoute, PastTheRateIs429WithRetryAfterAndSendsNothing) {
  const ketenflow::testing::ApiFixture fixture;
  CountingGateway gateway;
  RateLimiter limiter(1, 1);
  ApiContext context = fixture.context();
  context.gateway = &gateway;
  context.rate_limiter = &limiter;
  EXPECT_EQ(handlers::events(context, publisher_request(kEvent)).status, 200);
  const ApiReply refused = handlers::events(context, publisher_request(kEvent));
  EXPECT_EQ(refused.status, 429);
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0].first, "Retry-After");
  EXPECT_EQ(refused.headers[0].second, "1");
  EXPECT_EQ(gateway.calls_, 1);
}

TEST(EventsRoute, WithoutAGatewayIs404) {
  const ketenflow::testing::ApiFixture fixture;
  const ApiReply reply = handlers::events(fixture.context(), publisher_request(kEvent));
  EXPECT_EQ(reply.status, 404);
  EXPECT_NE(reply.body.find("serve --gateway"), std::string::npos);
}

}  // namespace
}  // namespace ketenflow::http

namespace ketenflow::http {
namespace {

TEST(PublisherToken, NeedsAPartnerAndIsReadBackWithIt) {
  const ketenflow::testing::TempDir dir;
  const std::string file = dir.path() + "/tokens";
  auto no_partner = add_token(file, {"crm", Role::kPublisher, ""});
  ASSERT_FALSE(no_partner);
  EXPECT_EQ(no_partner.error(), "a publisher token needs --partner (the partner id it acts for)");
  auto token = add_token(file, {"crm", Role::kPublisher, "zayaz"});
  ASSERT_TRUE(token) << token.error();
  auto entries = read_tokens(file);
  ASSERT_TRUE(entries) << entries.error();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].caller.role, Role::kPublisher);
  EXPECT_EQ((*entries)[0].caller.partner, "zayaz");
  EXPECT_EQ((*entries)[0].hash, hash_token(*token));
  EXPECT_EQ(role_name(Role::kPublisher), "publisher");
}

}  // namespace
}  // namespace ketenflow::http
