// A request's budget: the instant a computation must be done by, and a way to
// learn that nobody waits for its answer any more (the HTTP client closed its
// connection). Long query loops poll it every few hundred keys through a
// BudgetPoll and stop with its reason; a null budget never stops anything.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "model/result.h"

namespace ketenflow::query {

struct Budget {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  // The budget as configured, for the message.
  int64_t budget_ms = 0;
  // True once the caller has gone away; may be empty.
  std::function<bool()> caller_gone;

  enum class Why { kOverBudget, kCallerGone };
  struct Spent {
    Why why;
    std::string message;
  };
  // Empty while the work may go on; else why it must stop.
  std::optional<Spent> spent() const;
};

// Checks `budget` on the first call and then every `every` calls: the clock
// and the socket look-up are cheap, but not free per key.
class BudgetPoll {
 public:
  explicit BudgetPoll(const Budget* budget, uint32_t every = 256)
      : budget_(budget), every_(every) {}
  // An error with the budget's reason once it is spent.
  Status tick();

 private:
  const Budget* budget_;
  uint32_t every_;
  uint32_t calls_ = 0;
};

}  // namespace ketenflow::query
