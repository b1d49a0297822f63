#include "common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.h"

namespace fishtts {

FileLock::FileLock(const std::filesystem::path& file) { lock(file, /*wait=*/true); }

std::optional<FileLock> FileLock::try_lock(const std::filesystem::path& file) {
  FileLock l;
  if (!l.lock(file, /*wait=*/false)) return std::nullopt;
  return l;
}

bool FileLock::lock(const std::filesystem::path& file, bool wait) {
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  // flock needs no write access: a lock file another user created (a replica of another uid) is locked read-only.
  if (fd_ < 0 && (errno == EACCES || errno == EROFS)) fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(ErrorCode::kIo, file.string() + ": cannot open the lock file: " + std::strerror(errno));
  int rc;
  do {
    rc = ::flock(fd_, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return true;
  const int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (!wait && err == EWOULDBLOCK) return false;
  throw Error(ErrorCode::kIo, file.string() + ": cannot lock: " + std::strerror(err));
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the lock
}

}  // namespace fishtts
