#include "common/paths.h"

#include <cstdlib>

namespace fishtts {

std::filesystem::path default_cache_dir() {
  auto env = [](const char* name) -> const char* {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
  };
  if (const char* dir = env("FISHTTS_CACHE_DIR")) return dir;
  if (const char* xdg = env("XDG_CACHE_HOME")) return std::filesystem::path(xdg) / "fishtts";
  if (const char* home = env("HOME")) return std::filesystem::path(home) / ".cache" / "fishtts";
  return std::filesystem::temp_directory_path() / "fishtts-cache";
}

}  // namespace fishtts
