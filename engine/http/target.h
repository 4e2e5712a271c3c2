// The request target (RFC 9112 §3.2 origin-form: path, then "?" and a query)
// as the HTTP server reads it: the path and each name=value pair of the query
// percent-decoded, '+' a space in the query. A pure function, for any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ketenflow::http {

// In the order they came; a name may repeat.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct Target {
  std::string path;
  QueryParams params;
};

// Null when a %XX escape is malformed or the path does not start with '/'.
// Empty pairs ("a=1&&b=2") are skipped; a name without '=' has an empty value.
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);

}  // namespace ketenflow::http
