// The cache folder's fallbacks: without HOME, a folder in the shared temp directory must be this user's alone.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/error.h"
#include "common/paths.h"

namespace {

namespace fs = std::filesystem;

std::string unique_name(const std::string& what) {
  return "fishtts-test-paths-" + std::to_string(::getpid()) + "-" + what;
}

fs::path folder_of(const std::string& name) { return fs::temp_directory_path() / (name + "-" + std::to_string(::getuid())); }

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST(PrivateTempFolder, IsMadeForThisUserOnlyAndReused) {
  const std::string name = unique_name("new");
  const fs::path made = fishtts::private_temp_folder(name);
  EXPECT_EQ(made, folder_of(name));
  EXPECT_EQ(mode_of(made), 0700u);
  EXPECT_EQ(fishtts::private_temp_folder(name), made);  // a second call takes the same folder
  fs::remove_all(made);
}

TEST(PrivateTempFolder, AFolderOthersCanOpenIsRefused) {
  const std::string name = unique_name("open");
  const fs::path planted = folder_of(name);
  fs::create_directories(planted);
  fs::permissions(planted, fs::perms::all);  // 0777: anyone could have planted files in it
  try {
    fishtts::private_temp_folder(name);
    ADD_FAILURE() << "a world-writable folder was accepted";
  } catch (const fishtts::Error& e) {
    EXPECT_EQ(e.code(), fishtts::ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("not a private folder"), std::string::npos) << e.what();
  }
  fs::remove_all(planted);
}

TEST(PrivateTempFolder, ALinkInItsPlaceIsRefused) {
  const std::string name = unique_name("link");
  const fs::path target = fs::temp_directory_path() / (name + "-target");
  fs::create_directories(target);
  fs::permissions(target, fs::perms::owner_all, fs::perm_options::replace);
  fs::create_directory_symlink(target, folder_of(name));
  EXPECT_THROW(fishtts::private_temp_folder(name), fishtts::Error);
  fs::remove(folder_of(name));
  fs::remove_all(target);
}

TEST(DefaultCacheDir, FollowsTheEnvironmentInOrder) {
  ::setenv("FISHTTS_CACHE_DIR", "/x/explicit", 1);
  EXPECT_EQ(fishtts::default_cache_dir(), fs::path("/x/explicit"));
  ::unsetenv("FISHTTS_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/x/xdg", 1);
  EXPECT_EQ(fishtts::default_cache_dir(), fs::path("/x/xdg/fishtts"));
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/x/home", 1);
  EXPECT_EQ(fishtts::default_cache_dir(), fs::path("/x/home/.cache/fishtts"));
  // Without HOME: the account's home, or a private temp folder; never a shared, world-writable one.
  ::unsetenv("HOME");
  const fs::path fallback = fishtts::default_cache_dir();
  EXPECT_NE(fallback, fs::temp_directory_path() / "fishtts-cache");
  if (fallback.string().rfind(fs::temp_directory_path().string(), 0) == 0) EXPECT_EQ(mode_of(fallback), 0700u);
}

}  // namespace
