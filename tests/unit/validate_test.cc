// Validation of decoded events (ingest/validate.h): one test per rejection
// code, with the exact code and a reason that names the field.
#include "ingest/validate.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "model/chain.h"
#include "model/chain_file.h"

namespace ketenflow::ingest {
namespace {

const char* const kChainYaml = R"(id: test-keten
name: Testketen
partners:
  - {id: gemeente, name: Gemeente}
  - {id: opvang, name: Opvang}
  - {id: corporatie, name: Corporatie}
stages:
  - {id: aanmelding, name: Aanmelding, owner: gemeente}
  - {id: opvang, name: Opvang, owner: opvang}
  - {id: woning, name: Woning, owner: corporatie}
milestones:
  - {id: aangemeld, name: Aangemeld, stage: aanmelding, partners: [gemeente, opvang]}
  - {id: intake, name: Intake, stage: opvang, partners: [opvang]}
  - {id: woning_toegewezen, name: Woning toegewezen, stage: woning, partners: [corporatie]}
)";

// A pseudonym that must never show up in a reason.
const char* const kRef = "klant-7f3a9b2e";

// 2024-03-05T09:00:00Z
constexpr int64_t kOccurredSeconds = 1709629200;

class Validate : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = model::parse_chain_yaml(kChainYaml, "test-keten.yaml");
    ASSERT_TRUE(chain.ok()) << chain.error();
    chain_ = std::move(*chain);
  }

  static v1::ClientEvent valid() {
    v1::ClientEvent e;
    e.set_event_id("ev-1");
    e.set_chain_id("test-keten");
    e.set_client_ref(kRef);
    e.set_type("intake");
    e.set_partner_id("opvang");
    e.mutable_occurred_at()->set_seconds(kOccurredSeconds);
    e.mutable_recorded_at()->set_seconds(kOccurredSeconds + 3600);
    return e;
  }

  std::optional<Rejection> check(const v1::ClientEvent& e) const { return validate(e, &chain_); }

  // Expects a rejection with `code` whose reason contains `mention` and not
  // the client_ref.
  void expect_rejected(const v1::ClientEvent& e, const std::string& code,
                       const std::string& mention) const {
    const auto r = check(e);
    ASSERT_TRUE(r.has_value()) << "expected " << code;
    EXPECT_EQ(r->code, code);
    EXPECT_NE(r->reason.find(mention), std::string::npos)
        << "reason '" << r->reason << "' does not mention '" << mention << "'";
    if (!e.client_ref().empty()) {
      EXPECT_EQ(r->reason.find(e.client_ref()), std::string::npos)
          << "reason leaks the client_ref: " << r->reason;
    }
  }

  model::ChainModel chain_;
};

TEST_F(Validate, AcceptsAValidEvent) {
  const auto r = check(valid());
  EXPECT_FALSE(r.has_value()) << r->code << ": " << r->reason;
}

TEST_F(Validate, MissingEventId) {
  auto e = valid();
  e.clear_event_id();
  expect_rejected(e, "missing_field", "event_id");
}

TEST_F(Validate, MissingChainId) {
  auto e = valid();
  e.clear_chain_id();
  expect_rejected(e, "missing_field", "chain_id");
}

TEST_F(Validate, MissingClientRef) {
  auto e = valid();
  e.clear_client_ref();
  expect_rejected(e, "missing_field", "client_ref");
}

TEST_F(Validate, MissingPartnerId) {
  auto e = valid();
  e.clear_partner_id();
  expect_rejected(e, "missing_field", "partner_id");
}

TEST_F(Validate, MissingType) {
  auto e = valid();
  e.clear_type();
  expect_rejected(e, "missing_field", "type");
}

TEST_F(Validate, MissingOccurredAt) {
  auto e = valid();
  e.clear_occurred_at();
  expect_rejected(e, "missing_field", "occurred_at");
}

TEST_F(Validate, MalformedControlCharacters) {
  auto e = valid();
  e.set_event_id("ev\n1");
  expect_rejected(e, "malformed_field", "event_id");
  e = valid();
  e.set_client_ref(std::string("klant\x01") + "x");
  expect_rejected(e, "malformed_field", "client_ref");
  e = valid();
  e.set_partner_id("opvang\t");
  expect_rejected(e, "malformed_field", "partner_id");
}

TEST_F(Validate, MalformedTooLongId) {
  auto e = valid();
  e.set_event_id(std::string(257, 'x'));
  expect_rejected(e, "malformed_field", "event_id");
  e.set_event_id(std::string(256, 'x'));  // the limit itself is fine
  EXPECT_FALSE(check(e).has_value());

  e = valid();
  e.set_client_ref(std::string(257, 'k'));
  expect_rejected(e, "malformed_field", "client_ref");
}

TEST_F(Validate, MalformedCorrectsItself) {
  auto e = valid();
  e.set_corrects_event_id("ev-1");
  expect_rejected(e, "malformed_field", "ev-1");
  const auto r = check(e);
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->reason.find("corrects itself"), std::string::npos) << r->reason;

  e.set_corrects_event_id("ev-0");  // a real correction is accepted
  EXPECT_FALSE(check(e).has_value());
}

TEST_F(Validate, UnknownChain) {
  auto e = valid();
  e.set_chain_id("geen-keten");
  const auto r = validate(e, nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, "unknown_chain");
  EXPECT_NE(r->reason.find("geen-keten"), std::string::npos) << r->reason;
  EXPECT_NE(r->reason.find("chain"), std::string::npos) << r->reason;
  EXPECT_EQ(r->reason.find(kRef), std::string::npos) << r->reason;
}

TEST_F(Validate, UnknownMilestone) {
  auto e = valid();
  e.set_type("sleutel_overhandigd");
  expect_rejected(e, "unknown_milestone", "sleutel_overhandigd");
  expect_rejected(e, "unknown_milestone", "milestone");
}

TEST_F(Validate, UnknownPartner) {
  auto e = valid();
  e.set_partner_id("zayaz");
  expect_rejected(e, "unknown_partner", "zayaz");
  expect_rejected(e, "unknown_partner", "partner");
}

TEST_F(Validate, PartnerNotAllowed) {
  auto e = valid();
  e.set_partner_id("corporatie");  // intake is reported by opvang only
  expect_rejected(e, "partner_not_allowed", "corporatie");
  expect_rejected(e, "partner_not_allowed", "intake");
}

TEST_F(Validate, OccurredAfterRecordedByMoreThanADay) {
  auto e = valid();
  e.mutable_recorded_at()->set_seconds(kOccurredSeconds - 86400 - 1);
  expect_rejected(e, "occurred_after_recorded", "occurred_at");
  expect_rejected(e, "occurred_after_recorded", "recorded_at");

  // One millisecond over.
  e.mutable_recorded_at()->set_seconds(kOccurredSeconds - 86400 - 1);
  e.mutable_recorded_at()->set_nanos(999'000'000);
  expect_rejected(e, "occurred_after_recorded", "occurred_at");

  // Exactly a day is allowed (clock skew, late-night entry).
  e.mutable_recorded_at()->set_seconds(kOccurredSeconds - 86400);
  e.mutable_recorded_at()->set_nanos(0);
  EXPECT_FALSE(check(e).has_value());
}

TEST_F(Validate, OccurredBefore1900) {
  auto e = valid();
  e.clear_recorded_at();
  e.mutable_occurred_at()->set_seconds(-2208988801);  // 1899-12-31T23:59:59Z
  expect_rejected(e, "occurred_before_1900", "occurred_at");
  expect_rejected(e, "occurred_before_1900", "1899-12-31T23:59:59Z");

  e.mutable_occurred_at()->set_seconds(-2208988800);  // 1900-01-01T00:00:00Z
  EXPECT_FALSE(check(e).has_value());
}

TEST_F(Validate, NanosOutOfRange) {
  auto e = valid();
  e.mutable_occurred_at()->set_nanos(-1);
  expect_rejected(e, "malformed_field", "occurred_at");
  e = valid();
  e.mutable_recorded_at()->set_nanos(1'000'000'000);
  expect_rejected(e, "malformed_field", "recorded_at");
}

TEST_F(Validate, OccurredAtOutsideTheTimestampRange) {
  // Protobuf Timestamps span 0001-01-01 .. 9999-12-31. A binary (pb / Kafka)
  // record can carry any int64 seconds; 18446744073709552 s is ~584 million
  // years ahead, and 18446744073709552 * 1000 wraps around int64 to 384 ms,
  // i.e. 1970-01-01T00:00:00.384Z. Such an event must be rejected, not
  // accepted as a 1970 event.
  auto e = valid();
  e.clear_recorded_at();
  e.mutable_occurred_at()->set_seconds(18'446'744'073'709'552);
  expect_rejected(e, "malformed_field", "occurred_at");

  e = valid();
  e.mutable_recorded_at()->set_seconds(18'446'744'073'709'552);
  expect_rejected(e, "malformed_field", "recorded_at");
}

TEST_F(Validate, BsnClientRef) {
  // Elfproef: 9*d1 + 8*d2 + ... + 2*d8 - d9 must be divisible by 11.
  //   111222333: 9+8+7 + 2*(6+5+4) + 3*(3+2) - 3 = 66 = 6 * 11
  //   123456782: 9+16+21+24+25+24+21+16 - 2 = 154 = 14 * 11
  //   123456789: 156 - 9 = 147, not divisible by 11
  for (const char* bsn : {"111222333", "123456782"}) {
    auto e = valid();
    e.set_client_ref(bsn);
    expect_rejected(e, "bsn_client_ref", "client_ref");
  }
  auto e = valid();
  e.set_client_ref("123456789");
  EXPECT_FALSE(check(e).has_value());
}

TEST_F(Validate, BsnIsRejectedEvenForAnUnknownChain) {
  auto e = valid();
  e.set_client_ref("111222333");
  const auto r = validate(e, nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, "bsn_client_ref");
  EXPECT_EQ(r->reason.find("111222333"), std::string::npos) << r->reason;
}

TEST_F(Validate, EmailClientRef) {
  auto e = valid();
  e.set_client_ref("jan.jansen@example.nl");
  expect_rejected(e, "email_client_ref", "client_ref");
  e.set_client_ref("jan.jansen-at-example");
  EXPECT_FALSE(check(e).has_value());
}

TEST_F(Validate, WithdrawalNeedsOnlyItsTarget) {
  v1::ClientEvent w;
  w.set_event_id("ev-2");
  w.set_chain_id("test-keten");
  w.set_client_ref(kRef);
  w.set_partner_id("opvang");
  w.set_corrects_event_id("ev-1");
  w.set_retracted(true);
  const auto r = check(w);
  EXPECT_FALSE(r.has_value()) << r->code << ": " << r->reason;

  // Without a target it is rejected.
  w.clear_corrects_event_id();
  expect_rejected(w, "missing_field", "corrects_event_id");
}

TEST_F(Validate, CorrectionWithoutTypeIsRejected) {
  auto e = valid();
  e.set_corrects_event_id("ev-0");
  e.clear_type();
  expect_rejected(e, "missing_field", "type");
}

TEST(ValidateHelpers, LooksLikeBsn) {
  EXPECT_TRUE(looks_like_bsn("111222333"));
  EXPECT_TRUE(looks_like_bsn("123456782"));
  EXPECT_FALSE(looks_like_bsn("123456789"));
  EXPECT_FALSE(looks_like_bsn("12345678"));    // 8 digits
  EXPECT_FALSE(looks_like_bsn("1112223330"));  // 10 digits
  EXPECT_FALSE(looks_like_bsn("11122233a"));
  EXPECT_FALSE(looks_like_bsn("k-1112223"));
}

TEST(ValidateHelpers, LooksLikeEmail) {
  EXPECT_TRUE(looks_like_email("a@b.nl"));
  EXPECT_TRUE(looks_like_email("jan.jansen@gemeente.denbosch.nl"));
  EXPECT_FALSE(looks_like_email("@b.nl"));
  EXPECT_TRUE(looks_like_email("a@b"));  // local@domain, no dot needed
  EXPECT_FALSE(looks_like_email("a@.nl"));
  EXPECT_TRUE(looks_like_email("a@nl."));
  EXPECT_TRUE(looks_like_email("a@b@c.nl"));
  EXPECT_FALSE(looks_like_email("klant-42"));
}

TEST(ValidateHelpers, RedactKeepsAtMostAThirdAndFourBytes) {
  EXPECT_EQ(redact("c-4f3a9b2e77"), "c-4f…");  // 12 bytes -> 4
  EXPECT_EQ(redact("klant-7f3a9b2e"), "klan…");
  EXPECT_EQ(redact("klant-7f3a9b2e7788"), "klan…");  // 18 bytes: still 4
  EXPECT_EQ(redact("111222333"), "111…");            // 9 bytes -> 3
  EXPECT_EQ(redact("abcde"), "a…");
  EXPECT_EQ(redact("ab"), "…");
  EXPECT_EQ(redact(""), "…");
}

TEST(ValidateHelpers, MaskIdentifiersRemovesBsnsAndEmailsAnywhere) {
  // 111222333 and 123456782 pass the elfproef, 123456789 does not.
  EXPECT_EQ(mask_identifiers("c-1,111222333,intake"), "c-1,<removed>,intake");
  EXPECT_EQ(mask_identifiers(R"({"clientRef":"123456782","bsn":"x"})"),
            R"({"clientRef":"<removed>","bsn":"x"})");
  EXPECT_EQ(mask_identifiers("123456789 and 1112223334 stay"), "123456789 and 1112223334 stay");
  EXPECT_EQ(mask_identifiers("mail jan.jansen@example.nl now"), "mail <removed> now");
  EXPECT_EQ(mask_identifiers("a@b and 111222333@example.nl"), "<removed> and <removed>");
  EXPECT_EQ(mask_identifiers("no identifiers"), "no identifiers");
}

}  // namespace
}  // namespace ketenflow::ingest
