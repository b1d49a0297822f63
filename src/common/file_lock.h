// An exclusive flock(2) on one file, held for the object's life: the one cross-process lock of the engine (the
// voices folder's "<folder>/.lock", a bundle conversion's "<key>.lock"). flock locks belong to the open file, so
// each FileLock opens its own and threads of one process exclude each other too; the kernel drops the lock when
// the process dies, so a killed holder never leaves a stale lock behind (unlike a pid file). The lock file is
// never deleted: deleting it would let two processes lock two different files of the same name.
#pragma once

#include <filesystem>
#include <optional>

namespace fishtts {

class FileLock {
 public:
  // Creates the file when missing (not its folder; mode 0644 before the umask, and opened read-only when it is
  // another user's); blocks until no other open file holds the lock.
  // Throws Error(kIo) naming the file when it cannot be opened or locked (a read-only folder, say).
  explicit FileLock(const std::filesystem::path& file);
  // The same without waiting: nullopt when another open file holds the lock.
  static std::optional<FileLock> try_lock(const std::filesystem::path& file);

  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock& operator=(FileLock&& other) noexcept;  // releases the lock it held

 private:
  FileLock() = default;
  // true = locked, false = held elsewhere (only when !wait); throws on any other failure.
  bool lock(const std::filesystem::path& file, bool wait);

  int fd_ = -1;
};

}  // namespace fishtts
