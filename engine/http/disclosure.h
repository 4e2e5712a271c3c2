// Disclosure control for analysts (README "HTTP API and dashboard").
//
// Works on the JSON form of any report, so every route and every future
// message gets the same treatment (api.cc report_reply() is the one caller,
// for JSON and CSV alike). Decisions are taken on the exact values:
//
// - Primary: a count from 1 to k-1 becomes the string "<k". Zero stays zero.
// - Secondary: a count that, with what the same answer shows, would give a
//   hidden count back becomes the string "x" (it is k or more):
//   * a part whose complement within its total is 1..k-1: met of clients,
//     norm.within of a transition's count, reentries of entries, pending of
//     clients, overdue of open (a complement of 0, "all of them", is shown
//     when the total is k or more, as is a part of 0);
//   * a stage's entries and exits when its wip, or the wip at the end of the
//     period before, is hidden (wip = wip before + entries - exits);
//   * a duration's count when the count it equals (exits, a transition's
//     count, a measure's clients) is hidden, and the other way round;
//   * periods against their total: in every additive cell (entries, exits,
//     reentries, count, within, clients, met, pending) a report with
//     `periods` never has exactly one hidden value among the total and its
//     periods; a second one, the smallest other period, or else the total, is
//     hidden too.
// - Derived: in an object that counts fewer than k (its `count` or `clients`
//   is "<k") and everything below it, shares, trends and duration statistics
//   (`*Seconds`) are removed; a share is removed when its numerator or
//   denominator is hidden, a trend when either side's share or counts are.
// - Rounding (`round` > 1): every count shown is rounded to the nearest
//   multiple of `round` (half up), a report's totals are the sums of its
//   rounded periods, and shares and trends are computed from the rounded
//   counts.
//
// Not guaranteed: differences between two answers (overlapping periods,
// consecutive as_of instants), chain results against their partners'
// contribution measures, and sums over stages or transitions of one period.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ketenflow::http {

struct DisclosurePolicy {
  uint32_t k = 10;
  // Counts are rounded to multiples of this; 0 or 1: exact.
  uint32_t round = 0;
};

void disclose(nlohmann::ordered_json& report, const DisclosurePolicy& policy);

// Whether `key` names a count that disclose() may hide ("<k" or "x"): the
// API's description types these as integer or string (api/openapi.json,
// schema Count).
bool is_count_key(std::string_view key);

// disclose() without rounding.
void suppress_small_counts(nlohmann::ordered_json& report, uint32_t k);

}  // namespace ketenflow::http
