// Check: reads a whole store and says whether it is intact, like PostgreSQL's
// pg_checksums and amcheck together.
//
//   1. files: every table file's block checksums (and its whole-file checksum
//      where one was recorded); the MANIFEST and the write-ahead logs were read
//      strictly when the store was opened (StoreOptions::paranoid).
//   2. records: every value of every family decodes.
//   3. agreement: each stored event sits under the key its content gives and
//      has its event-id entry (same client, same payload hash), and there are
//      as many event-id entries as events; the number of events equals the
//      accepted counter and the number of rejects the rejected counter; every
//      client's stored path inputs equal those recomputed from its events, and
//      there is no path without events; the KPI aggregates and the open-visit
//      index equal those recomputed from all paths (what `rebuild` would write).
//
// Everything is read once. Memory holds one client's events and the
// recomputed KPI aggregates and open-visit keys (what a rebuild would write);
// the event-id family is matched to the events by lookups and by count, not
// by a set of all ids.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "store/store.h"

namespace ketenflow::ingest {

struct CheckReport {
  uint64_t table_files = 0;
  uint64_t table_bytes = 0;
  uint64_t events = 0;
  uint64_t event_ids = 0;
  uint64_t clients = 0;
  uint64_t paths = 0;
  uint64_t rejects = 0;
  uint64_t kpi_keys = 0;
  uint64_t open_visits = 0;
  // What disagrees, one line each (the first kMaxProblems); `problem_count`
  // counts them all.
  std::vector<std::string> problems;
  uint64_t problem_count = 0;
  static constexpr size_t kMaxProblems = 50;

  bool clean() const { return problem_count == 0; }
};

struct CheckProgress {
  std::string_view step;  // "table files", "events", ...
  uint64_t done;
  uint64_t total;  // 0 when unknown
};

// Checks `store` (opened read-only with StoreOptions::paranoid). An error only when
// the check itself cannot go on; damage is reported in the CheckReport.
Result<CheckReport> check_store(const store::Store& store,
                                const std::function<void(const CheckProgress&)>& progress);

}  // namespace ketenflow::ingest
