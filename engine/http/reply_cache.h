// Cached answers of the aggregate routes (kpis, flow, goals, chains).
//
// An answer is kept with the store's sequence number when it was computed.
// While the store has not changed it is served as it is. Once ingest has
// written, the first request recomputes it while concurrent requests get the
// previous answer — at most `max_stale_ms` old — instead of queueing behind
// the computation. So under load an aggregate answer may lag the store by
// one computation; the header X-Ketenflow-Stale-Ms says by how much, and a
// request with "Cache-Control: no-cache" always gets a fresh answer. Requests
// for an answer that is being computed for the first time wait for it rather
// than all computing it at once.
//
// Thread-safe. Client-level routes are never cached.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/api.h"

namespace ketenflow::http {

class ReplyCache {
 public:
  explicit ReplyCache(size_t capacity = 256, int64_t max_stale_ms = 2000)
      : capacity_(capacity), max_stale_ms_(max_stale_ms) {}

  struct Answer {
    ApiReply reply;
    // 0 when the answer reflects the store as of `sequence`; else how long
    // ago the served answer was computed.
    int64_t stale_ms = 0;
  };

  // The answer for `key` at store sequence `sequence`, computing it with
  // `compute` when needed. Only 200 answers are kept.
  Answer get(const std::string& key, uint64_t sequence, int64_t now_ms,
             const std::function<ApiReply()>& compute);

 private:
  struct Entry {
    bool computed = false;  // false while the first computation runs
    ApiReply reply;
    uint64_t sequence = 0;
    int64_t computed_ms = 0;
    bool refreshing = false;
    std::list<std::string>::iterator age;
  };
  void store(const std::string& key, ApiReply reply, uint64_t sequence, int64_t now_ms);

  std::mutex mu_;
  std::condition_variable first_computed_;
  size_t capacity_;
  int64_t max_stale_ms_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> by_age_;  // most recently computed first
};

}  // namespace ketenflow::http
