// libsndfile over a byte buffer (its virtual I/O interface), so uploads are decoded and responses encoded
// without temporary files. Internal to src/audio.
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fishtts::audio::detail {

// A read-only or growable byte buffer with a file position, as SF_VIRTUAL_IO expects.
struct MemoryFile {
  std::span<const std::uint8_t> input;  // reading
  std::vector<std::uint8_t>* output = nullptr;  // writing (owned by the caller)
  sf_count_t position = 0;
};

SF_VIRTUAL_IO* memory_io();

// Closes on destruction.
class SndFile {
 public:
  SndFile(SNDFILE* handle) : handle_(handle) {}
  ~SndFile() {
    if (handle_) sf_close(handle_);
  }
  SndFile(const SndFile&) = delete;
  SndFile& operator=(const SndFile&) = delete;
  SNDFILE* get() const { return handle_; }

 private:
  SNDFILE* handle_;
};

}  // namespace fishtts::audio::detail
