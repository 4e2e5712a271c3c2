// Raw identifiers — BSNs and e-mail addresses — in client refs, attribute
// values and kept records (DESIGN invariant 4: no raw identifiers).
//
// Every check first normalises the text the way a reader would see it:
// Unicode compatibility forms (NFKC, per code point with utf8proc: full-width
// digits, `＠` U+FF20, circled digits, non-breaking spaces), decimal digits of
// any script as 0-9, default-ignorable code points (zero-width space, soft
// hyphen) dropped, and in text a JSON escape `\uXXXX` read as its code point.
// Separators are space, `-`, `.`, `/`, `_` and every Unicode space or dash.
//
//   BSN:    the whole text, without surrounding separators and a leading label
//           `BSN` (any case, optionally followed by `:`, `#` or `=`), is 9
//           digits with separators between them, passing the elfproef.
//   e-mail: the text contains local@domain (a local-part character before the
//           `@`, a letter or digit after it; no dot needed in the domain).
//
// The BSN rule reads the whole value, never a substring: a pseudonym such as
// "p-" + 32 hex digits may hold 9 digits in a row and is still no BSN.
#pragma once

#include <string>
#include <string_view>

namespace ketenflow::ingest {

// 9 digits passing the elfproef (the BSN check), after normalisation.
bool looks_like_bsn(std::string_view value);
// Contains local@domain, after normalisation.
bool looks_like_email(std::string_view value);

// `text` with every e-mail address and every BSN-like number replaced by
// "<removed>", wherever they stand: what is kept of a rejected record must not
// hold a raw identifier. A BSN-like number is a run of digit groups joined by
// separators in which consecutive groups hold 9 digits passing the elfproef
// ("111222333", "111 222 333", "111-222-333", full-width digits); numbers of
// another length or failing the elfproef are left alone. Occurrences of
// `keep` (a client_ref that is no identifier) are copied unchanged. Bytes that
// are not UTF-8 are copied unchanged.
std::string mask_identifiers(std::string_view text, std::string_view keep = {});

// "c-4f3a…" : enough to tell refs apart in a log line, not enough to identify.
std::string redact(std::string_view client_ref);

}  // namespace ketenflow::ingest
