#include "reference_codes_cache.h"

#include <openssl/sha.h>

namespace fishtts::server {

std::string ReferenceCodesCache::key_of(std::span<const std::uint8_t> audio) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(audio.data(), audio.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  for (unsigned char b : digest) {
    key.push_back(kHex[b >> 4]);
    key.push_back(kHex[b & 15]);
  }
  return key;
}

std::optional<text::IntMatrix> ReferenceCodesCache::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void ReferenceCodesCache::put(const std::string& key, const text::IntMatrix& codes) {
  std::lock_guard lock(mutex_);
  if (capacity_ == 0) return;
  if (entries_.insert_or_assign(key, codes).second) order_.push_back(key);
  while (entries_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

std::size_t ReferenceCodesCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace fishtts::server
