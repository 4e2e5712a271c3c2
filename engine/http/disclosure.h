// Small-number suppression for analysts (README "HTTP API and dashboard").
//
// Works on the JSON form of any report, so every route and every future
// message gets the same treatment: a count from 1 to k-1 becomes the string
// "<k"; in an object that counts fewer than k (its `count` or `clients` is
// 1..k-1), and in everything below it, shares, trends and duration statistics
// (`*Seconds`) are removed. Zero stays zero.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace ketenflow::http {

void suppress_small_counts(nlohmann::ordered_json& report, uint32_t k);

}  // namespace ketenflow::http
