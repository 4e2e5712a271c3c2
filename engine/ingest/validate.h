// Validation of one decoded event against its chain (DESIGN §3.3-3.4).
//
// Every rejection carries a stable code (counted, filterable) and a reason in
// words that names the field and what is wrong. Reasons never contain a
// client_ref in full.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ketenflow/v1/event.pb.h"
#include "model/chain.h"

namespace ketenflow::ingest {

struct Rejection {
  std::string code;
  std::string reason;
};

inline constexpr size_t kMaxEventBytes = 64 * 1024;

// Whether milestones and partners must already be in the chain (kOpen for an
// inferred chain, which grows with the log).
enum class Membership { kChecked, kOpen };

// `chain` is the event's chain, or nullptr when chain_id names no known chain.
std::optional<Rejection> validate(const v1::ClientEvent& event, const model::ChainModel* chain,
                                  Membership membership = Membership::kChecked);

// 9 digits passing the elfproef (the BSN check).
bool looks_like_bsn(std::string_view ref);
// local@domain.tld
bool looks_like_email(std::string_view ref);
// Protobuf string fields must hold UTF-8.
bool valid_utf8(std::string_view text);
// `text` with every invalid byte sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// `text` with every BSN-like token (a run of exactly 9 digits passing the
// elfproef) and e-mail address replaced by "<removed>": what is kept of a
// record must not hold a raw identifier, wherever in it it stands.
std::string mask_identifiers(std::string_view text);

// "c-4f3a…" : enough to tell refs apart in a log line, not enough to identify.
std::string redact(std::string_view client_ref);

}  // namespace ketenflow::ingest
