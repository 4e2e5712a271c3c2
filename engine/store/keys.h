// Keys of the store's column families (layout in docs/design.md "Storage").
//
// Strings inside keys are followed by a 0 byte; ids never contain one (the
// validator rejects control characters). Integers are big-endian with the sign
// bit flipped, so byte order equals numeric order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ketenflow::store {

// events: chain · client_ref · occurred_at · event_id
std::string event_key(std::string_view chain, std::string_view client, int64_t occurred_ms,
                      std::string_view event_id);
// Prefix of all events of one client, or (client empty) of one chain.
std::string client_prefix(std::string_view chain, std::string_view client);

// event_ids: chain · event_id
std::string event_id_key(std::string_view chain, std::string_view event_id);

// paths: chain · client_ref
std::string path_key(std::string_view chain, std::string_view client);

// kpi: chain · day · measure · dimension — days first, so a [from, to) query
// is one range scan.
std::string kpi_key(std::string_view chain, int32_t day, uint8_t measure, std::string_view dim);
std::string kpi_day_prefix(std::string_view chain, int32_t day);
struct KpiKey {
  int32_t day;
  uint8_t measure;
  std::string_view dim;
};
// Parses a kpi key whose chain part is `chain_len` + 1 bytes long.
std::optional<KpiKey> parse_kpi_key(std::string_view key, size_t chain_len);

// wip: chain · stage · entered_at · client_ref (open visits, oldest first).
std::string wip_key(std::string_view chain, std::string_view stage, int64_t entered_ms,
                    std::string_view client);

// rejects: sequence number.
std::string reject_key(uint64_t seq);

// meta
std::string chain_meta_key(std::string_view chain);
inline constexpr std::string_view kChainMetaPrefix = "chain/";
std::string source_meta_key(std::string_view source);
inline constexpr std::string_view kCountersKey = "counters";
// The store format version (store.h kFormatVersion), written when the store is
// made and checked on every open.
inline constexpr std::string_view kFormatKey = "schema";

void append_int64(std::string* out, int64_t v);
void append_uint64(std::string* out, uint64_t v);
int64_t read_int64(std::string_view bytes);
uint64_t read_uint64(std::string_view bytes);

}  // namespace ketenflow::store
