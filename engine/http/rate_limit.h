// Requests per second per token for POST /v1/events: a token bucket per
// token name, refilled continuously. Thread-safe (one mutex; a few hundred
// nanoseconds per request).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ketenflow::http {

class RateLimiter {
 public:
  // `per_second` requests on average, `burst` at once; per_second <= 0: no limit.
  RateLimiter(double per_second, double burst);

  // 0 when `key` may make a request at `now_ms` (and takes its turn), else
  // the milliseconds until it may (for Retry-After).
  int64_t take(const std::string& key, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ms = 0;
  };
  double per_second_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ketenflow::http
