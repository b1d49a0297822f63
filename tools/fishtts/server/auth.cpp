#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace fishtts::server {

bool bearer_matches(std::string_view authorization, const std::string& key) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.substr(0, kScheme.size()) != kScheme) return false;
  const std::string_view given = authorization.substr(kScheme.size());
  // Comparing digests keeps the comparison constant-time even when the lengths differ.
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

}  // namespace fishtts::server
