#include "http/reply_cache.h"

namespace ketenflow::http {

ReplyCache::Answer ReplyCache::get(const std::string& key, uint64_t sequence, int64_t now_ms,
                                   const std::function<ApiReply()>& compute) {
  {
    std::unique_lock lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() && entries_.size() < capacity_) {
      // The first computation of this answer: others wait for it.
      by_age_.push_front(key);
      Entry& placeholder = entries_[key];
      placeholder.refreshing = true;
      placeholder.age = by_age_.begin();
    } else if (it != entries_.end() && !it->second.computed) {
      first_computed_.wait(lock, [&] {
        auto found = entries_.find(key);
        return found == entries_.end() || found->second.computed;
      });
      it = entries_.find(key);
    }
    if (it != entries_.end() && it->second.computed) {
      Entry& e = it->second;
      if (e.sequence == sequence) return {e.reply, 0};
      const int64_t age = now_ms - e.computed_ms;
      if (age <= max_stale_ms_) {
        if (e.refreshing) return {e.reply, std::max<int64_t>(age, 1)};
        e.refreshing = true;
      }
    }
  }
  ApiReply reply = compute();
  if (reply.status == 200) {
    store(key, reply, sequence, now_ms);
  } else {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      if (it->second.computed) {
        it->second.refreshing = false;
      } else {
        by_age_.erase(it->second.age);
        entries_.erase(it);
      }
    }
  }
  first_computed_.notify_all();
  return {std::move(reply), 0};
}

void ReplyCache::store(const std::string& key, ApiReply reply, uint64_t sequence, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    by_age_.erase(it->second.age);
  } else {
    while (entries_.size() >= capacity_ && !by_age_.empty()) {
      entries_.erase(by_age_.back());
      by_age_.pop_back();
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  by_age_.push_front(key);
  it->second = Entry{true, std::move(reply), sequence, now_ms, false, by_age_.begin()};
}

}  // namespace ketenflow::http
