#include "query/budget.h"

namespace ketenflow::query {

std::optional<Budget::Spent> Budget::spent() const {
  if (caller_gone && caller_gone()) {
    return Spent{Why::kCallerGone, "the client closed the connection; the work was stopped"};
  }
  if (Clock::now() >= deadline) {
    return Spent{Why::kOverBudget, "the request ran past its budget of " +
                                       std::to_string(budget_ms) +
                                       " ms (serve --http-budget-ms); narrow it down"};
  }
  return std::nullopt;
}

Status BudgetPoll::tick() {
  if (budget_ == nullptr || calls_++ % every_ != 0) return ok_status();
  if (auto spent = budget_->spent()) return Error{spent->message};
  return ok_status();
}

}  // namespace ketenflow::query
