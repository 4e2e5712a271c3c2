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
                                         const google::protobuf::Timestamp& ts) {
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
  return std::nullopt;
}

}  // namespace

bool looks_like_bsn(std::string_view ref) {
  if (ref.size() != 9) return false;
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(ref[i]))) return false;
    const int digit = ref[i] - '0';
    sum += (i < 8 ? static_cast<int>(9 - i) : -1) * digit;
  }
  return sum % 11 == 0;
}

bool looks_like_email(std::string_view ref) {
  const size_t at = ref.find('@');
  if (at == std::string_view::npos || at == 0 || ref.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = ref.substr(at + 1);
  const size_t dot = domain.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

bool valid_utf8(std::string_view text) { return utf8::is_valid(text.begin(), text.end()); }

std::string to_valid_utf8(std::string_view text) {
  if (valid_utf8(text)) return std::string(text);
  std::string out;
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(out));
  return out;
}

std::string mask_identifiers(std::string_view text) {
  const auto email_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' ||
           c == '+' || c == '-';
  };
  // E-mail addresses first, as whole tokens around an '@'.
  std::string no_email;
  size_t copied = 0;
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    size_t start = at;
    while (start > copied && email_char(text[start - 1])) --start;
    size_t end = at + 1;
    while (end < text.size() && email_char(text[end])) ++end;
    if (!looks_like_email(text.substr(start, end - start))) continue;
    no_email.append(text.substr(copied, start - copied)).append("<removed>");
    copied = end;
    at = end - 1;
  }
  no_email.append(text.substr(copied));

  // Then every maximal run of exactly 9 digits that passes the elfproef.
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string out;
  out.reserve(no_email.size());
  for (size_t i = 0; i < no_email.size();) {
    if (!digit(no_email[i])) {
      out.push_back(no_email[i++]);
      continue;
    }
    size_t end = i;
    while (end < no_email.size() && digit(no_email[end])) ++end;
    const std::string_view run(no_email.data() + i, end - i);
    if (looks_like_bsn(run)) {
      out += "<removed>";
    } else {
      out.append(run);
    }
    i = end;
  }
  return out;
}

std::string redact(std::string_view client_ref) {
  return std::string(client_ref.substr(0, std::min<size_t>(4, client_ref.size() / 3))) + "…";
}

std::optional<Rejection> validate(const v1::ClientEvent& event, const model::ChainModel* chain,
                                  Membership membership) {
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
  if (auto r = check_timestamp("occurred_at", event.occurred_at())) return r;
  if (event.has_recorded_at()) {
    if (auto r = check_timestamp("recorded_at", event.recorded_at())) return r;
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
