// A partner-system simulator for tests, demos and benchmarks.
//
// Generates the events partners would publish for N clients of a chain:
// stages in chain order with lognormal delays around the chain's norms,
// drop-outs, re-entries (back to the shelter, re-detention), some norm
// breaches. Optional delivery faults make it a test-data generator: late /
// out-of-order delivery, exact duplicates and corrections. The same options
// and seed always give the same events in the same order.
#pragma once

#include <cstdint>
#include <functional>

#include "ketenflow/v1/event.pb.h"
#include "model/chain.h"

namespace ketenflow::simulate {

struct SimulationOptions {
  uint64_t clients = 1000;
  uint64_t seed = 1;
  // First sign-up; clients arrive spread over the following year.
  int64_t start_ms = 1704063600000;  // 2024-01-01T00:00:00+01:00
  // The moment the extract is taken, ms (0: none): events occurring or
  // recorded after it are not emitted, as no partner can report them yet.
  int64_t end_ms = 0;
  // Probability that an event is delivered late (out of order).
  double disorder = 0.0;
  // Probability that an event is delivered twice (exact repeat).
  double duplicates = 0.0;
  // Probability that an event is followed later by a correction of it.
  double corrections = 0.0;
};

// Calls `emit` for every event in delivery order. Returns the number emitted.
uint64_t simulate(const model::ChainModel& chain, const SimulationOptions& options,
                  const std::function<void(const v1::ClientEvent&)>& emit);

}  // namespace ketenflow::simulate
