// --api-key: `Authorization: Bearer KEY`, compared in constant time so the answer time leaks nothing.
#pragma once

#include <string>
#include <string_view>

namespace fishtts::server {

// True when `authorization` (the header value, maybe empty) is "Bearer <key>" with exactly this key.
bool bearer_matches(std::string_view authorization, const std::string& key);

}  // namespace fishtts::server
