// A small HTTP(S) GET client for what the server fetches itself: an OpenID
// Connect provider's discovery document and keys (oidc.h). Bounded: one
// deadline for the exchange (connect, TLS, request, answer; the host name is
// resolved before, by the system's resolver) and a cap on the answer's size; only 200 answers
// count. HTTPS checks the provider's certificate against the system's trust store and its host
// name. Safe to call from any thread (each call has its own I/O context).
#pragma once

#include <cstddef>
#include <string>

#include "model/result.h"

namespace ketenflow::http {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
};

// Splits an http:// or https:// URL; an error for anything else (user
// info, fragments and other schemes are refused).
Result<Url> parse_url(const std::string& url);

// True for localhost and loopback addresses, the only hosts a plain http://
// provider URL may name.
bool is_loopback_host(const std::string& host);

// The body of GET `url`. Errors name the URL and what went wrong.
Result<std::string> fetch_url(const std::string& url, size_t max_bytes, int timeout_ms);

}  // namespace ketenflow::http
