#include "common/paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"

namespace fishtts {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// The account's home from the password database (HOME may be unset in services and cron jobs).
std::filesystem::path account_home() {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return {};
  if (found->pw_dir == nullptr || found->pw_dir[0] != '/' || std::string(found->pw_dir) == "/") return {};
  std::error_code ec;
  return std::filesystem::is_directory(found->pw_dir, ec) ? std::filesystem::path(found->pw_dir) : std::filesystem::path();
}

}  // namespace

std::filesystem::path private_temp_folder(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getuid()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error(ErrorCode::kIo, "cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  // The temp folder is shared: a folder someone else made (or a link to one) there could be read or planted into.
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0) {
    throw Error(ErrorCode::kIo, dir.string() + " is not a private folder of this user (a directory owned by uid " +
                                    std::to_string(::getuid()) + ", mode 0700): set FISHTTS_CACHE_DIR or HOME");
  }
  return dir;
}

std::filesystem::path default_cache_dir() {
  if (const char* dir = env("FISHTTS_CACHE_DIR")) return dir;
  if (const char* xdg = env("XDG_CACHE_HOME")) return std::filesystem::path(xdg) / "fishtts";
  if (const char* home = env("HOME")) return std::filesystem::path(home) / ".cache" / "fishtts";
  if (const auto home = account_home(); !home.empty()) return home / ".cache" / "fishtts";
  return private_temp_folder("fishtts-cache");
}

}  // namespace fishtts
