#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace ketenflow::http {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(1.0, burst)) {}

int64_t RateLimiter::take(const std::string& key, int64_t now_ms) {
  if (per_second_ <= 0) return 0;
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now_ms});
  Bucket& bucket = it->second;
  if (!fresh && now_ms > bucket.at_ms) {
    bucket.tokens = std::min(
        burst_, bucket.tokens + static_cast<double>(now_ms - bucket.at_ms) * per_second_ / 1000.0);
    bucket.at_ms = now_ms;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  return std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil((1.0 - bucket.tokens) * 1000.0 / per_second_)));
}

}  // namespace ketenflow::http
