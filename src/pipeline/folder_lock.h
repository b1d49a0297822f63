// An exclusive lock on a folder shared by several processes (replicas mounting one voices volume): flock(2) on
// "<folder>/.lock", held for the object's life. Threads of one process still need their own mutex: flock
// locks belong to the open file, and each FolderLock opens its own.
#pragma once

#include <filesystem>

namespace fishtts::pipeline {

class FolderLock {
 public:
  // Creates the folder and its lock file when missing; blocks until no other process holds the lock.
  // Throws fishtts::Error(kIo) naming the folder when the lock file cannot be opened or locked.
  explicit FolderLock(const std::filesystem::path& folder);
  ~FolderLock();
  FolderLock(FolderLock&& other) noexcept;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  FolderLock& operator=(FolderLock&&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace fishtts::pipeline
