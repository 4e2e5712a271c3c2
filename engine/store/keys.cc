#include "store/keys.h"

namespace ketenflow::store {
namespace {

void append_part(std::string* out, std::string_view part) {
  out->append(part);
  out->push_back('\0');
}

void append_int32(std::string* out, int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v) ^ 0x80000000u;
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(u >> shift));
}

}  // namespace

void append_uint64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void append_int64(std::string* out, int64_t v) {
  append_uint64(out, static_cast<uint64_t>(v) ^ 0x8000000000000000ull);
}

uint64_t read_uint64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return v;
}

int64_t read_int64(std::string_view bytes) {
  return static_cast<int64_t>(read_uint64(bytes) ^ 0x8000000000000000ull);
}

std::string event_key(std::string_view chain, std::string_view client, int64_t occurred_ms,
                      std::string_view event_id) {
  std::string key = client_prefix(chain, client);
  append_int64(&key, occurred_ms);
  key.append(event_id);
  return key;
}

std::string client_prefix(std::string_view chain, std::string_view client) {
  std::string key;
  append_part(&key, chain);
  if (!client.empty()) append_part(&key, client);
  return key;
}

std::string event_id_key(std::string_view chain, std::string_view event_id) {
  std::string key;
  append_part(&key, chain);
  key.append(event_id);
  return key;
}

std::string path_key(std::string_view chain, std::string_view client) {
  std::string key;
  append_part(&key, chain);
  key.append(client);
  return key;
}

std::string kpi_day_prefix(std::string_view chain, int32_t day) {
  std::string key;
  append_part(&key, chain);
  append_int32(&key, day);
  return key;
}

std::string kpi_key(std::string_view chain, int32_t day, uint8_t measure, std::string_view dim) {
  std::string key = kpi_day_prefix(chain, day);
  key.push_back(static_cast<char>(measure));
  key.append(dim);
  return key;
}

std::optional<KpiKey> parse_kpi_key(std::string_view key, size_t chain_len) {
  if (key.size() < chain_len + 1 + 4 + 1) return std::nullopt;
  std::string_view rest = key.substr(chain_len + 1);
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(rest[i]);
  return KpiKey{static_cast<int32_t>(u ^ 0x80000000u), static_cast<uint8_t>(rest[4]),
                rest.substr(5)};
}

std::string wip_key(std::string_view chain, std::string_view stage, int64_t entered_ms,
                    std::string_view client) {
  std::string key;
  append_part(&key, chain);
  append_part(&key, stage);
  append_int64(&key, entered_ms);
  key.append(client);
  return key;
}

std::string reject_key(uint64_t seq) {
  std::string key;
  append_uint64(&key, seq);
  return key;
}

std::string chain_meta_key(std::string_view chain) {
  return std::string(kChainMetaPrefix).append(chain);
}

std::string source_meta_key(std::string_view source) {
  return std::string("source/").append(source);
}

}  // namespace ketenflow::store
