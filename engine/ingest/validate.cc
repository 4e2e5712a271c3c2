#include "ingest/validate.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <utf8.h>

#include "model/time.h"

namespace ketenflow::ingest {
namespace {

constexpr int64_t k1900Ms = -2208988800000;  // 1900-01-01T00:00:00Z
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxIdBytes = 256;

std::optional<Rejection> check_id(std::string_view field, std::string_view value) {
  if (value.empty()) return Rejection{"missing_field", std::string(field) + " is missing"};
  if (value.size() > kMaxIdBytes) {
    return Rejection{"malformed_field", std::string(field) + " is longer than " +
                                            std::to_string(kMaxIdBytes) + " bytes"};
  }
  const bool control = std::any_of(value.begin(), value.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (control) {
    return Rejection{"malformed_field", std::string(field) + " contains control characters"};
  }
  return std::nullopt;
}

std::optional<Rejection> check_timestamp(std::string_view field,
                                         const google::protobuf::Timestamp& ts,
                                         std::optional<int64_t> now_ms) {
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
    return Rejection{"malformed_field", std::string(field) + " has nanos out of range"};
  }
  // The protobuf Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799) {
    return Rejection{"malformed_field", std::string(field) + " is outside the years 1 to 9999"};
  }
  if (model::to_ms(ts) < k1900Ms) {
    return Rejection{
        "occurred_before_1900",
        std::string(field) + " " + model::format_instant(model::to_ms(ts)) + " is before 1900"};
  }
  const int64_t at = model::to_ms(ts);
  if (at >= kLatestEventMs) {
    return Rejection{"occurred_in_future", std::string(field) + " " + model::format_instant(at) +
                                               " is not before 2100-01-01"};
  }
  if (now_ms && at > *now_ms + kFutureSlackMs) {
    return Rejection{"occurred_in_future", std::string(field) + " " + model::format_instant(at) +
                                               " is more than a day after the moment of ingest " +
                                               model::format_instant(*now_ms)};
  }
  return std::nullopt;
}

}  // namespace

bool valid_utf8(std::string_view text) { return utf8::is_valid(text.begin(), text.end()); }

std::string to_valid_utf8(std::string_view text) {
  if (valid_utf8(text)) return std::string(text);
  std::string out;
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(out));
  return out;
}

size_t keep_read_attributes(v1::ClientEvent& event, const model::ChainModel& chain) {
  auto& attributes = *event.mutable_attributes();
  if (attributes.empty()) return 0;
  const auto& read = chain.filter_attributes;  // ascending
  size_t dropped = 0;
  for (auto it = attributes.begin(); it != attributes.end();) {
    if (std::binary_search(read.begin(), read.end(), it->first)) {
      ++it;
    } else {
      it = attributes.erase(it);
      ++dropped;
    }
  }
  return dropped;
}

v1::ClientEvent without_identifiers(const v1::ClientEvent& event) {
  const auto masked = [](const std::string& value) {
    return looks_like_bsn(value) ? std::string("<removed>") : mask_identifiers(value);
  };
  v1::ClientEvent out = event;
  const std::string& ref = event.client_ref();
  if (looks_like_bsn(ref) || looks_like_email(ref)) out.set_client_ref("<removed>");
  out.set_event_id(mask_identifiers(event.event_id()));
  out.set_chain_id(mask_identifiers(event.chain_id()));
  out.set_type(mask_identifiers(event.type()));
  out.set_partner_id(mask_identifiers(event.partner_id()));
  out.set_corrects_event_id(mask_identifiers(event.corrects_event_id()));
  auto& attributes = *out.mutable_attributes();
  attributes.clear();
  for (const auto& [key, value] : event.attributes()) attributes[masked(key)] = masked(value);
  return out;
}

std::optional<Rejection> validate(const v1::ClientEvent& event, const model::ChainModel* chain,
                                  Membership membership, std::optional<int64_t> now_ms) {
  if (auto r = check_id("event_id", event.event_id())) return r;
  if (auto r = check_id("chain_id", event.chain_id())) return r;
  if (auto r = check_id("client_ref", event.client_ref())) return r;
  if (auto r = check_id("partner_id", event.partner_id())) return r;
  if (looks_like_bsn(event.client_ref())) {
    return Rejection{"bsn_client_ref",
                     "client_ref looks like a BSN (9 digits passing the elfproef); publish a "
                     "pseudonym instead"};
  }
  if (looks_like_email(event.client_ref())) {
    return Rejection{"email_client_ref",
                     "client_ref looks like an e-mail address; publish a pseudonym instead"};
  }
  // Every attribute, also one no measure reads: the record as it came is kept
  // with a reject. The key is named; it is masked in case it holds an identifier.
  for (const auto& [key, value] : event.attributes()) {
    if (looks_like_bsn(value)) {
      return Rejection{"bsn_attribute", "attribute \"" + to_valid_utf8(mask_identifiers(key)) +
                                            "\" looks like a BSN (9 digits passing the "
                                            "elfproef); leave it out or publish a pseudonym"};
    }
    if (looks_like_email(value)) {
      return Rejection{"email_attribute", "attribute \"" + to_valid_utf8(mask_identifiers(key)) +
                                              "\" holds an e-mail address; leave it out"};
    }
  }
  if (chain == nullptr) {
    return Rejection{"unknown_chain", "chain \"" + event.chain_id() + "\" is not defined"};
  }
  const bool withdrawal = event.retracted();
  if (withdrawal && event.corrects_event_id().empty()) {
    return Rejection{"missing_field",
                     "corrects_event_id is missing: a withdrawal must name the event it withdraws"};
  }
  if (!event.corrects_event_id().empty()) {
    if (auto r = check_id("corrects_event_id", event.corrects_event_id())) return r;
    if (event.corrects_event_id() == event.event_id()) {
      return Rejection{"malformed_field", "event " + event.event_id() + " corrects itself"};
    }
  }
  const bool open = membership == Membership::kOpen;
  const int partner = chain->partner(event.partner_id());
  if (partner < 0 && !open) {
    return Rejection{"unknown_partner", "partner \"" + event.partner_id() +
                                            "\" is not a partner of chain " + event.chain_id()};
  }
  if (withdrawal && event.type().empty()) return std::nullopt;

  if (event.type().empty()) return Rejection{"missing_field", "type (milestone) is missing"};
  const int milestone = chain->milestone(event.type());
  if (milestone < 0 && !open) {
    return Rejection{"unknown_milestone", "milestone \"" + event.type() +
                                              "\" is not defined in chain " + event.chain_id()};
  }
  if (!open && !chain->partner_may_report(milestone, partner)) {
    return Rejection{"partner_not_allowed", "partner \"" + event.partner_id() +
                                                "\" may not report milestone \"" + event.type() +
                                                "\" in chain " + event.chain_id()};
  }
  if (!event.has_occurred_at()) return Rejection{"missing_field", "occurred_at is missing"};
  if (auto r = check_timestamp("occurred_at", event.occurred_at(), now_ms)) return r;
  if (event.has_recorded_at()) {
    if (auto r = check_timestamp("recorded_at", event.recorded_at(), now_ms)) return r;
    const int64_t occurred = model::to_ms(event.occurred_at());
    const int64_t recorded = model::to_ms(event.recorded_at());
    if (occurred > recorded + kDayMs) {
      return Rejection{"occurred_after_recorded", "occurred_at " + model::format_instant(occurred) +
                                                      " is more than a day after recorded_at " +
                                                      model::format_instant(recorded)};
    }
  }
  return std::nullopt;
}

}  // namespace ketenflow::ingest
