// Codes of inline reference audio by SHA-256 of the uploaded bytes (spec 6.6, use_memory_cache): every request
// writes it, requests with use_memory_cache "on" read it, so a client sending the same voice each time skips
// both the audio decode and the codec encode. Bounded: the oldest entries go first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "text/prompt.h"

namespace fishtts::server {

class ReferenceCodesCache {
 public:
  explicit ReferenceCodesCache(std::size_t capacity = 64) : capacity_(capacity) {}

  static std::string key_of(std::span<const std::uint8_t> audio);  // hex SHA-256
  std::optional<text::IntMatrix> find(const std::string& key) const;
  void put(const std::string& key, const text::IntMatrix& codes);
  std::size_t size() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, text::IntMatrix> entries_;
  std::deque<std::string> order_;  // insertion order, oldest first
};

}  // namespace fishtts::server
