// An exclusive lock on a folder shared by several processes (replicas mounting one voices volume): a FileLock
// (common/file_lock.h, flock(2)) on "<folder>/.lock", held for the object's life.
#pragma once

#include <filesystem>

#include "common/file_lock.h"

namespace fishtts::pipeline {

class FolderLock {
 public:
  // Creates the folder and its lock file when missing; blocks until no other process holds the lock.
  // Throws fishtts::Error(kIo) naming the lock file when it cannot be opened or locked.
  explicit FolderLock(const std::filesystem::path& folder);

 private:
  static const std::filesystem::path& created(const std::filesystem::path& folder);

  FileLock lock_;
};

}  // namespace fishtts::pipeline
