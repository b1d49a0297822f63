// Where the engine keeps what it makes: converted bundles, the demo model, reference voices.
#pragma once

#include <filesystem>

namespace fishtts {

// $FISHTTS_CACHE_DIR, else $XDG_CACHE_HOME/fishtts, else $HOME/.cache/fishtts, else /tmp/fishtts-cache.
std::filesystem::path default_cache_dir();

}  // namespace fishtts
