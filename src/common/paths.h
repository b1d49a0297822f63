// Where the engine keeps what it makes: converted bundles, the demo model, reference voices.
#pragma once

#include <filesystem>
#include <string>

namespace fishtts {

// $FISHTTS_CACHE_DIR, else $XDG_CACHE_HOME/fishtts, else $HOME/.cache/fishtts, else the account's home from the
// password database, else private_temp_folder("fishtts-cache"). Throws fishtts::Error(kIo) when that last one
// cannot be had.
std::filesystem::path default_cache_dir();

// <temp>/<name>-<uid>, created with mode 0700; throws fishtts::Error(kIo) when it exists but is not a folder of
// this user that only this user can open (another user may have made it first, or planted a link).
std::filesystem::path private_temp_folder(const std::string& name);

}  // namespace fishtts
