#include "http/tokens.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "model/time.h"

namespace ketenflow::http {
namespace {

constexpr std::string_view kHeader =
    "# ketenflow API tokens: sha256(token) <TAB> name <TAB> role <TAB> partner <TAB> expires\n";

std::string hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) fields.push_back(field);
  return fields;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (c == '\t' || c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

Status write_tokens(const std::string& path, const std::vector<TokenEntry>& entries) {
  std::string text(kHeader);
  for (const TokenEntry& e : entries) {
    text += e.hash + "\t" + e.caller.name + "\t" + std::string(role_name(e.caller.role)) + "\t" +
            e.caller.partner;
    if (e.expires_ms != 0) text += "\t" + model::format_instant(e.expires_ms);
    text += "\n";
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Error{"cannot write " + tmp};
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error{"cannot write " + path};
  }
  return ok_status();
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kAnalyst:
      return "analyst";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
    case Role::kPublisher:
      return "publisher";
  }
  return "analyst";
}

bool needs_partner(Role role) { return role == Role::kOperator || role == Role::kPublisher; }

Result<Role> parse_role(std::string_view text) {
  if (text == "analyst") return Role::kAnalyst;
  if (text == "operator") return Role::kOperator;
  if (text == "admin") return Role::kAdmin;
  if (text == "publisher") return Role::kPublisher;
  return Error{"unknown role \"" + std::string(text) +
               "\" (analyst, operator, admin or publisher)"};
}

std::string hash_token(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(token.data(), token.size(), digest, &n, EVP_sha256(), nullptr);
  return hex(digest, n);
}

Result<std::vector<TokenEntry>> read_tokens(const std::string& path) {
  std::vector<TokenEntry> entries;
  std::ifstream in(path);
  if (!in) {
    if (access(path.c_str(), F_OK) != 0) return entries;
    return Error{"cannot read token file " + path};
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    auto fields = split_tabs(line);
    if (fields.size() < 3 || fields.size() > 5) {
      return Error{where + "expected hash, name, role, partner and expiry separated by tabs"};
    }
    if (fields[0].size() != 64 ||
        fields[0].find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Error{where + "the first field is not a hex SHA-256"};
    }
    auto role = parse_role(fields[2]);
    if (!role) return Error{where + role.error()};
    TokenEntry entry{fields[0], {fields[1], *role, fields.size() >= 4 ? fields[3] : ""}};
    if (fields.size() == 5 && !fields[4].empty()) {
      auto utc = model::find_zone("UTC");
      if (!utc) return Error{where + utc.error()};
      auto expires = model::parse_instant(fields[4], *utc);
      if (!expires) return Error{where + "the expiry is not an instant: " + expires.error()};
      entry.expires_ms = *expires;
    }
    if (needs_partner(entry.caller.role) && entry.caller.partner.empty()) {
      return Error{where + "an " + std::string(role_name(entry.caller.role)) +
                   " token needs a partner"};
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::string> add_token(const std::string& path, const Caller& caller, int64_t expires_ms) {
  if (!valid_name(caller.name)) return Error{"--name must be 1 to 64 printable characters"};
  if (needs_partner(caller.role) && caller.partner.empty()) {
    return Error{"a" + std::string(caller.role == Role::kOperator ? "n " : " ") +
                 std::string(role_name(caller.role)) +
                 " token needs --partner (the partner id it acts for)"};
  }
  if (!needs_partner(caller.role) && !caller.partner.empty()) {
    return Error{"--partner is for operator and publisher tokens only"};
  }
  if (!valid_name(caller.partner) && !caller.partner.empty()) return Error{"bad --partner"};
  auto entries = read_tokens(path);
  if (!entries) return Error{entries.error()};
  for (const TokenEntry& e : *entries) {
    if (e.caller.name == caller.name) {
      return Error{"a token named \"" + caller.name + "\" exists already in " + path};
    }
  }
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) return Error{"no random bytes for a token"};
  std::string token = "kft_" + hex(random, sizeof random);
  entries->push_back({hash_token(token), caller, expires_ms});
  if (auto status = write_tokens(path, *entries); !status) return Error{status.error()};
  return token;
}

Status remove_token(const std::string& path, const std::string& name) {
  auto entries = read_tokens(path);
  if (!entries) return Error{entries.error()};
  const auto before = entries->size();
  std::erase_if(*entries, [&](const TokenEntry& e) { return e.caller.name == name; });
  if (entries->size() == before) return Error{"no token named \"" + name + "\" in " + path};
  return write_tokens(path, *entries);
}

}  // namespace ketenflow::http
