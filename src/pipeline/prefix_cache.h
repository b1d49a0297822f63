// Saved KV prefixes of reference prompts (lm::KvPrefix), shared by every request of an engine: a second request
// with the same reference voices prefills only its own text. Least recently used entries go first once the
// total passes the byte budget. Thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "lm/lm_session.h"

namespace fishtts::pipeline {

class PrefixCache {
 public:
  explicit PrefixCache(std::size_t max_bytes = std::size_t{512} << 20) : max_bytes_(max_bytes) {}

  std::shared_ptr<const lm::KvPrefix> get(const std::string& key);
  void put(const std::string& key, std::shared_ptr<const lm::KvPrefix> prefix);
  std::size_t bytes() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const lm::KvPrefix>>;
  mutable std::mutex mutex_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace fishtts::pipeline
