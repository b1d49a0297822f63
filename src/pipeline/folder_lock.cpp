#include "pipeline/folder_lock.h"

namespace fishtts::pipeline {

const std::filesystem::path& FolderLock::created(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);  // a failure shows as the lock file's error, naming it
  return folder;
}

// A dot name: never a reference id.
FolderLock::FolderLock(const std::filesystem::path& folder) : lock_(created(folder) / ".lock") {}

}  // namespace fishtts::pipeline
