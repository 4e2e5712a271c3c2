#include "connectors/publish/pseudonym.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ketenflow::publish {

std::string_view trim_blanks(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

std::string pseudonymize(std::string_view key, std::string_view raw_id) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(raw_id.data()), raw_id.size(), digest, &length);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "p-";
  out.reserve(2 + 32);
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xf]);
  }
  return out;
}

Result<std::string> read_key_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Error{"key file " + path + ": " + std::strerror(errno)};
  }
  if (!S_ISREG(info.st_mode)) return Error{"key file " + path + ": not a regular file"};
  if ((info.st_mode & 077) != 0) {
    return Error{"key file " + path +
                 " is readable or writable by group or others; restrict it with: chmod 600 " +
                 path};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"key file " + path + ": cannot be read"};
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{"key file " + path + ": read error"};
  if (!key.empty() && key.back() == '\n') {
    key.pop_back();
    if (!key.empty() && key.back() == '\r') key.pop_back();
  }
  if (key.empty()) return Error{"key file " + path + " is empty"};
  if (key.size() < kMinKeyBytes) {
    return Error{"key file " + path + " holds a key of " + std::to_string(key.size()) +
                 " bytes; use at least " + std::to_string(kMinKeyBytes) +
                 " (e.g. head -c 32 /dev/urandom | base64 > FILE)"};
  }
  return key;
}

}  // namespace ketenflow::publish
