#include "pipeline/prefix_cache.h"

namespace fishtts::pipeline {

std::shared_ptr<const lm::KvPrefix> PrefixCache::get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PrefixCache::put(const std::string& key, std::shared_ptr<const lm::KvPrefix> prefix) {
  if (!prefix || prefix->bytes() > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (index_.count(key)) return;
  bytes_ += prefix->bytes();
  lru_.emplace_front(key, std::move(prefix));
  index_[key] = lru_.begin();
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->bytes();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::size_t PrefixCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace fishtts::pipeline
