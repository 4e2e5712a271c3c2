// Validation of one decoded event against its chain (DESIGN §3.3-3.4).
//
// Every rejection carries a stable code (counted, filterable) and a reason in
// words that names the field and what is wrong. Reasons never contain a
// client_ref in full.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/identifiers.h"
#include "ketenflow/v1/event.pb.h"
#include "model/chain.h"

namespace ketenflow::ingest {

struct Rejection {
  std::string code;
  std::string reason;
};

// Every code a record can be rejected with (README "Rejected records"), so a
// metric can list each from the start.
inline constexpr std::string_view kRejectionCodes[] = {"decode_error",
                                                       "missing_field",
                                                       "malformed_field",
                                                       "too_large",
                                                       "unknown_chain",
                                                       "unknown_milestone",
                                                       "unknown_partner",
                                                       "partner_not_allowed",
                                                       "occurred_after_recorded",
                                                       "occurred_before_1900",
                                                       "occurred_in_future",
                                                       "bsn_client_ref",
                                                       "email_client_ref",
                                                       "bsn_attribute",
                                                       "email_attribute",
                                                       "event_id_conflict"};

inline constexpr size_t kMaxEventBytes = 64 * 1024;

// Whether milestones and partners must already be in the chain (kOpen for an
// inferred chain, which grows with the log).
enum class Membership { kChecked, kOpen };

// Events may not be dated after this instant (2100-01-01T00:00:00Z, ms)...
inline constexpr int64_t kLatestEventMs = 4102444800000;
// ... nor more than this after the moment of ingest.
inline constexpr int64_t kFutureSlackMs = 86'400'000;

// `chain` is the event's chain, or nullptr when chain_id names no known chain.
// `now_ms` is the moment of ingest (ms since the epoch): occurred_at and
// recorded_at more than a day after it are rejected (occurred_in_future).
// Without it only the fixed bound (2100) applies. An event valid at one moment
// stays valid later, so the check never depends on the order of arrival.
std::optional<Rejection> validate(const v1::ClientEvent& event, const model::ChainModel* chain,
                                  Membership membership = Membership::kChecked,
                                  std::optional<int64_t> now_ms = std::nullopt);

// Drops the attributes no `where:` of `chain` reads (chain->filter_attributes):
// ingest stores, exports and shows only what a measure needs. Returns how many
// were dropped.
size_t keep_read_attributes(v1::ClientEvent& event, const model::ChainModel& chain);

// `event` without raw identifiers, for what is kept of a rejected record:
// client_ref "<removed>" when it is a BSN or e-mail address; the other string
// fields, attribute keys and values masked (mask_identifiers), a value that is
// a BSN as a whole "<removed>".
v1::ClientEvent without_identifiers(const v1::ClientEvent& event);

// Protobuf string fields must hold UTF-8.
bool valid_utf8(std::string_view text);
// `text` with every invalid byte sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace ketenflow::ingest
