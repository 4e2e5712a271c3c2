// Raw identifiers (ingest/identifiers.h, DESIGN invariant 4) after
// normalisation: BSNs written with separators, a label or full-width digits
// and e-mail addresses with a full-width `＠` are rejected as client_ref and
// as attribute value, and masked wherever they stand in a kept record;
// pseudonyms (the publisher's, the simulator's) are never rejected. Also the
// bound on event times (occurred_in_future). Test BSNs are made up numbers
// that pass the elfproef (111222333, 123456782).
#include "ingest/identifiers.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "connectors/publish/pseudonym.h"
#include "connectors/simulate/simulator.h"
#include "ingest/validate.h"
#include "model/chain_file.h"
#include "test_support.h"

namespace ketenflow::ingest {
namespace {

// 2024-03-05T09:00:00Z
constexpr int64_t kOccurredSeconds = 1709629200;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

// U+FF11..U+FF13: full-width 1, 2, 3.
const std::string kFullWidthBsn =
    "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13";  // 111222333

model::ChainModel test_chain() {
  auto chain = model::parse_chain_yaml(testing::kTestChainYaml, "test-keten.yaml");
  EXPECT_TRUE(chain.ok()) << chain.error();
  return chain.ok() ? std::move(*chain) : model::ChainModel{};
}

v1::ClientEvent event_for(const std::string& client_ref) {
  v1::ClientEvent e;
  e.set_event_id("ev-1");
  e.set_chain_id("test-keten");
  e.set_client_ref(client_ref);
  e.set_type("intake");
  e.set_partner_id("opvang");
  e.mutable_occurred_at()->set_seconds(kOccurredSeconds);
  return e;
}

std::string code_of(const std::optional<Rejection>& r) { return r ? r->code : "accepted"; }

class RawIdentifiers : public ::testing::Test {
 protected:
  std::string check(const v1::ClientEvent& e) const { return code_of(validate(e, &chain_)); }
  model::ChainModel chain_ = test_chain();
};

// --- 1. client_ref after normalisation -----------------------------------------

TEST_F(RawIdentifiers, BsnClientRefIsRejectedWithSeparatorsLabelsAndFullWidthDigits) {
  const std::vector<std::string> variants = {
      "111222333",
      " 111222333 ",
      "111 222 333",
      "111-222-333",
      "111.222.333",
      "111/222/333",
      "111_222_333",
      "BSN: 111222333",
      "bsn-111.222.333",
      "bsn111222333",
      "Bsn 123 456 782",
      kFullWidthBsn,
      "\uff11\uff11\uff11-222-333",                              // mixed widths
      "\uff22\uff33\uff2e\uff1a111222333",                       // ＢＳＮ：
      "111\u00a0222\u00a0333",                                   // no-break spaces
      "111\u2013222\u2013333",                                   // en dashes
      "111\u200b222333",                                         // zero-width space
      "\u0661\u0661\u0661\u0662\u0662\u0662\u0663\u0663\u0663",  // Arabic-Indic digits
      "\u2460\u2460\u2460\u2461\u2461\u2461\u2462\u2462\u2462",  // circled digits
  };
  for (const std::string& ref : variants) {
    EXPECT_EQ(check(event_for(ref)), "bsn_client_ref") << ref;
    EXPECT_TRUE(looks_like_bsn(ref)) << ref;
  }
}

TEST_F(RawIdentifiers, EmailClientRefIsRejectedAlsoWithoutADotOrWithAFullWidthAt) {
  for (const std::string ref :
       {"jan@localhost", "jan\uff20example.nl", " jan.jansen@example.nl ", "mailto:jan@example.nl",
        "Jan <jan@example.nl>", "\uff4a\uff41\uff4e@example.nl", "a@b"}) {
    EXPECT_EQ(check(event_for(ref)), "email_client_ref") << ref;
  }
}

TEST_F(RawIdentifiers, OtherNumbersAndPseudonymsStayAccepted) {
  for (const std::string ref :
       {"111222334",     // fails the elfproef
        "1112223330",    // 10 digits
        "11122233",      // 8 digits
        "111 222 3334",  // 10 digits with separators
        "k-111222333",   // a prefix that is no BSN label: the rule reads the whole ref
        "c-062aaf4248886c5e", "klant-7f3a9b2e", "jan.jansen-at-example", "@b", "a@"}) {
    EXPECT_EQ(check(event_for(ref)), "accepted") << ref;
  }
}

TEST_F(RawIdentifiers, PseudonymHoldingNineDigitsThatPassTheElfproefIsAccepted) {
  // "p-" + 32 hex digits, 9 of them in a row forming 111222333.
  const std::string ref = "p-111222333abcdef0abcdef0abcdef012";
  ASSERT_EQ(ref.size(), 34u);
  EXPECT_EQ(check(event_for(ref)), "accepted");
  // Kept records leave that ref alone too.
  const std::string record = R"({"clientRef":")" + ref + R"(","note":"x"})";
  EXPECT_EQ(mask_identifiers(record, ref), record);
}

TEST_F(RawIdentifiers, NoPublisherPseudonymIsEverRejected) {
  // 100 000 keys and identifiers (BSN-like numbers among them): no
  // pseudonym the publisher makes is refused by the engine.
  uint64_t with_nine_digit_run = 0;
  for (int i = 0; i < 100'000; ++i) {
    const std::string key = "partner-key-" + std::to_string(i * 7919 + 13);
    const std::string identifier = std::to_string(100'000'000 + i * 8191);
    const std::string ref = publish::pseudonymize(key, identifier);
    ASSERT_EQ(ref.size(), 34u);
    const auto r = validate(event_for(ref), &chain_);
    ASSERT_FALSE(r.has_value()) << ref << ": " << r->code;
    ASSERT_EQ(mask_identifiers(ref, ref), ref);
    size_t run = 0;
    for (char c : ref) {
      run = (c >= '0' && c <= '9') ? run + 1 : 0;
      if (run == 9) ++with_nine_digit_run;
    }
  }
  // Some pseudonyms do hold 9 digits in a row: the whole-ref rule matters.
  EXPECT_GT(with_nine_digit_run, 0u);
}

TEST_F(RawIdentifiers, NoSimulatorClientRefIsRejected) {
  simulate::SimulationOptions options;
  options.clients = 2000;
  uint64_t events = 0;
  simulate::simulate(chain_, options, [&](const v1::ClientEvent& e) {
    ++events;
    EXPECT_FALSE(looks_like_bsn(e.client_ref())) << e.client_ref();
    EXPECT_FALSE(looks_like_email(e.client_ref())) << e.client_ref();
  });
  EXPECT_GT(events, 2000u);
}

// --- 1. mask_identifiers on kept records ----------------------------------------

TEST(MaskIdentifiers, MasksBsnsWithSeparatorsAndFullWidthDigitsAnywhere) {
  EXPECT_EQ(mask_identifiers("c-1,111 222 333,intake"), "c-1,<removed>,intake");
  EXPECT_EQ(mask_identifiers("c-1,111-222-333,intake"), "c-1,<removed>,intake");
  EXPECT_EQ(mask_identifiers("nr 111.222.333."), "nr <removed>.");
  EXPECT_EQ(mask_identifiers("BSN: 111/222/333"), "BSN: <removed>");
  EXPECT_EQ(mask_identifiers("x" + kFullWidthBsn + "y"), "x<removed>y");
  EXPECT_EQ(mask_identifiers("111\u00a0222\u00a0333"), "<removed>");
  // The JSON escape of a full-width digit is read as that digit.
  EXPECT_EQ(mask_identifiers(R"({"clientRef":"\uff11\uff11\uff11222333"})"),
            R"({"clientRef":"<removed>"})");
  // A 9-digit group among other numbers.
  EXPECT_EQ(mask_identifiers("111222333 12 jaar"), "<removed> 12 jaar");
  // Bytes that are not UTF-8 stay as they are.
  EXPECT_EQ(mask_identifiers("\xff\xfe 123456782"), "\xff\xfe <removed>");
}

TEST(MaskIdentifiers, LeavesNumbersThatAreNotNineDigitsOrFailTheElfproef) {
  for (const std::string text : {"123456789 and 1112223334 stay", "111-222-334", "tel 06-1234 5678",
                                 "2024-03-01T10:00:00.123Z", "offset 4096, line 12", "11 12 13",
                                 "1.000.000 euro", "seq 1112223330"}) {
    EXPECT_EQ(mask_identifiers(text), text);
  }
}

TEST(MaskIdentifiers, MasksEmailAddressesWithAFullWidthAtOrWithoutADot) {
  EXPECT_EQ(mask_identifiers("mail jan\uff20example.nl now"), "mail <removed> now");
  EXPECT_EQ(mask_identifiers("to jan@localhost."), "to <removed>.");
  EXPECT_EQ(mask_identifiers(R"({"a":"jan.jansen@example.nl"})"), R"({"a":"<removed>"})");
  EXPECT_EQ(mask_identifiers("a @ b"), "a @ b");
}

// --- 2. attribute values --------------------------------------------------------

TEST_F(RawIdentifiers, AttributeValueThatIsABsnOrEmailRejectsTheRecord) {
  for (const std::string value : {"111222333", "BSN: 111-222-333", kFullWidthBsn.c_str()}) {
    v1::ClientEvent e = event_for("c-1");
    (*e.mutable_attributes())["dossier"] = value;
    const auto r = validate(e, &chain_);
    ASSERT_TRUE(r.has_value()) << value;
    EXPECT_EQ(r->code, "bsn_attribute") << value;
    EXPECT_NE(r->reason.find("dossier"), std::string::npos) << r->reason;
    EXPECT_EQ(r->reason.find("111"), std::string::npos) << r->reason;
  }
  for (const std::string value : {"jan@example.nl", "jan\uff20localhost"}) {
    v1::ClientEvent e = event_for("c-1");
    (*e.mutable_attributes())["contact"] = value;
    EXPECT_EQ(check(e), "email_attribute") << value;
  }
  v1::ClientEvent e = event_for("c-1");
  (*e.mutable_attributes())["score"] = "1112223334";
  (*e.mutable_attributes())["urgent"] = "true";
  EXPECT_EQ(check(e), "accepted");
}

TEST(KeepReadAttributes, KeepsOnlyTheAttributesSomeWhereReads) {
  auto chain = model::parse_chain_yaml(std::string(testing::kTestChainYaml) + R"(measures:
  - {id: snel, name: Snel, kind: within, from: aangemeld, to: intake, days: 5,
     where: {urgent: "true"}}
)",
                                       "test-keten.yaml");
  ASSERT_TRUE(chain.ok()) << chain.error();
  v1::ClientEvent e = event_for("c-1");
  (*e.mutable_attributes())["urgent"] = "true";
  (*e.mutable_attributes())["geboortedatum"] = "1990-01-01";
  EXPECT_EQ(keep_read_attributes(e, *chain), 1u);
  ASSERT_EQ(e.attributes().size(), 1u);
  EXPECT_EQ(e.attributes().at("urgent"), "true");

  const model::ChainModel plain = test_chain();  // no measures: nothing is read
  EXPECT_EQ(keep_read_attributes(e, plain), 1u);
  EXPECT_TRUE(e.attributes().empty());
}

TEST(WithoutIdentifiers, ScrubsTheClientRefEveryStringFieldAndEveryAttribute) {
  v1::ClientEvent e = event_for(kFullWidthBsn);
  e.set_event_id("ev-111222333");
  (*e.mutable_attributes())["contact"] = "jan@example.nl";
  (*e.mutable_attributes())["dossier"] = "111   222 333";
  (*e.mutable_attributes())["urgent"] = "true";
  const v1::ClientEvent clean = without_identifiers(e);
  EXPECT_EQ(clean.client_ref(), "<removed>");
  EXPECT_EQ(clean.event_id(), "ev-<removed>");
  EXPECT_EQ(clean.attributes().at("contact"), "<removed>");
  EXPECT_EQ(clean.attributes().at("dossier"), "<removed>");
  EXPECT_EQ(clean.attributes().at("urgent"), "true");
  EXPECT_EQ(clean.type(), "intake");
}

// --- 5. bounded event times -------------------------------------------------------

TEST_F(RawIdentifiers, EventsDatedAfter2100OrMoreThanADayAfterIngestAreRejected) {
  const int64_t now_ms = kOccurredSeconds * 1000;
  const auto with_occurred = [](int64_t ms) {
    v1::ClientEvent e = event_for("c-1");
    e.mutable_occurred_at()->set_seconds(ms / 1000);
    return e;
  };
  const auto code = [&](const v1::ClientEvent& e, std::optional<int64_t> now) {
    return code_of(validate(e, &chain_, Membership::kChecked, now));
  };
  EXPECT_EQ(code(with_occurred(253402214400000), now_ms), "occurred_in_future");  // 9999-12-31
  EXPECT_EQ(code(with_occurred(253402214400000), std::nullopt), "occurred_in_future");
  EXPECT_EQ(code(with_occurred(kLatestEventMs), std::nullopt), "occurred_in_future");
  EXPECT_EQ(code(with_occurred(kLatestEventMs - 1000), std::nullopt), "accepted");
  EXPECT_EQ(code(with_occurred(now_ms + 2 * kDayMs), now_ms), "occurred_in_future");
  EXPECT_EQ(code(with_occurred(now_ms + kDayMs + 1000), now_ms), "occurred_in_future");
  EXPECT_EQ(code(with_occurred(now_ms + kDayMs), now_ms), "accepted");
  EXPECT_EQ(code(with_occurred(now_ms + kHourMs), now_ms), "accepted");

  v1::ClientEvent late_record = event_for("c-1");
  late_record.mutable_recorded_at()->set_seconds(kOccurredSeconds + 3 * 86400);
  const auto r = validate(late_record, &chain_, Membership::kChecked, now_ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, "occurred_in_future");
  EXPECT_NE(r->reason.find("recorded_at"), std::string::npos) << r->reason;
}

}  // namespace
}  // namespace ketenflow::ingest
