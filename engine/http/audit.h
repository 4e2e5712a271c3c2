// The audit log: one JSON line per client-level read (who, when, which
// client, which route), appended and flushed before the answer goes out.
// Thread-safe. The file is created with mode 0600: it names clients (by
// pseudonym), unlike the access log, which never does.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/tokens.h"
#include "model/result.h"

namespace ketenflow::http {

struct AuditEntry {
  int64_t at_ms = 0;
  const Caller* caller = nullptr;
  std::string route;
  std::string chain;
  // The clients read: one for a path, every listed one for a stuck list.
  std::vector<std::string> clients;
  int status = 0;
};

class AuditLog {
 public:
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  Status write(const AuditEntry& entry);

 private:
  explicit AuditLog(std::FILE* file) : file_(file) {}
  std::mutex mu_;
  std::FILE* file_;
};

}  // namespace ketenflow::http
