#include "http/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "model/time.h"

namespace ketenflow::http {

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return Error{"cannot open the audit log " + path};
  std::FILE* file = ::fdopen(fd, "a");
  if (file == nullptr) {
    ::close(fd);
    return Error{"cannot open the audit log " + path};
  }
  return std::unique_ptr<AuditLog>(new AuditLog(file));
}

AuditLog::~AuditLog() { std::fclose(file_); }

Status AuditLog::write(const AuditEntry& entry) {
  nlohmann::ordered_json line = {{"time", model::format_instant(entry.at_ms)},
                                 {"who", entry.caller ? entry.caller->name : ""},
                                 {"role", entry.caller ? role_name(entry.caller->role) : ""},
                                 {"partner", entry.caller ? entry.caller->partner : ""},
                                 {"route", entry.route},
                                 {"chain", entry.chain},
                                 {"clients", entry.clients},
                                 {"status", entry.status}};
  // A ref or chain id from the request path need not be UTF-8 (/clients/%FF):
  // such bytes become U+FFFD, where dump() threw and the uncaught exception
  // ended serve.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    return Error{"cannot write the audit log"};
  }
  return ok_status();
}

}  // namespace ketenflow::http
