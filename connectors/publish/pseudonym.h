// Pseudonymisation of client identifiers on the partner side, before anything
// leaves the partner's systems.
//
// pseudonymize() is a keyed hash: HMAC-SHA256 of the raw identifier (a BSN, a
// case number) under the partner's secret key, as "p-" + the first 32 lowercase
// hex digits (128 bits). The same key and identifier always give the same
// pseudonym, so a client's events from every file and every run land on one
// client_ref; without the key the identifier cannot be recovered by trying all
// BSNs. Partners of one chain share the key so that their events meet.
//
// The key is read from a file only (never from the command line, where it
// would show in `ps` and shell history), and the file must not be readable by
// group or others.
#pragma once

#include <string>
#include <string_view>

#include "model/result.h"

namespace ketenflow::publish {

// Shortest key read_key_file() accepts, in bytes.
inline constexpr size_t kMinKeyBytes = 16;

// `text` without surrounding spaces and tabs: what is pseudonymised of a raw
// identifier.
std::string_view trim_blanks(std::string_view text);

// "p-" + 32 lowercase hex digits.
std::string pseudonymize(std::string_view key, std::string_view raw_id);

// The key is the file's bytes without one trailing newline ("\n" or "\r\n").
// Refuses a file readable by group or others, an empty key and a key shorter
// than kMinKeyBytes. Error messages never contain the key.
Result<std::string> read_key_file(const std::string& path);

}  // namespace ketenflow::publish
