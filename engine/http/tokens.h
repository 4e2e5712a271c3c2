// API tokens and the roles they carry (README "HTTP API and dashboard").
//
// The token file holds one line per token: SHA-256 of the token (hex), name,
// role, for operators and publishers the partner they act for and, for a token that
// expires, the instant it expires (RFC 3339, UTC), separated by tabs; lines
// starting with '#' are comments. Lines without the expiry field (files
// written before tokens could expire) hold tokens that never expire. The token itself is shown
// once, when it is made, and never stored. The file is written with mode 0600.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace ketenflow::http {

// Publishers (issue 14) only send events through POST /v1/events, for their
// partner; they read nothing.
enum class Role { kAnalyst, kOperator, kAdmin, kPublisher };

std::string_view role_name(Role role);
// Operators and publishers act for one partner.
bool needs_partner(Role role);
Result<Role> parse_role(std::string_view text);

// Who is asking: the entry a presented token matched.
struct Caller {
  std::string name;
  Role role = Role::kAnalyst;
  std::string partner;  // operators and publishers only
};

struct TokenEntry {
  std::string hash;  // lowercase hex SHA-256 of the token
  Caller caller;
  int64_t expires_ms = 0;  // ms since the epoch; 0: never expires
};

// Lowercase hex SHA-256 of `token`.
std::string hash_token(std::string_view token);

// Reads a token file; errors name the line at fault. A missing file is an
// empty list.
Result<std::vector<TokenEntry>> read_tokens(const std::string& path);

// Makes a new random token for `caller`, appends its hash to the file
// (created with mode 0600 when missing) and returns the token. Refuses a
// name that is already in the file and an operator or publisher without a
// partner.
// `expires_ms` (ms since the epoch, 0: never) is when the token stops working.
Result<std::string> add_token(const std::string& path, const Caller& caller,
                              int64_t expires_ms = 0);

// Removes the token named `name`; error when there is none.
Status remove_token(const std::string& path, const std::string& name);

}  // namespace ketenflow::http
