#include "audio/stream_sndfile.h"

#include <algorithm>
#include <cstring>

namespace fishtts::audio::detail {
namespace {

StreamFile& file(void* user) { return *static_cast<StreamFile*>(user); }

sf_count_t length_of(const StreamFile& f) { return f.taken + static_cast<sf_count_t>(f.pending.size()); }

sf_count_t get_filelen(void* user) { return length_of(file(user)); }

sf_count_t seek(sf_count_t offset, int whence, void* user) {
  StreamFile& f = file(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f.position : length_of(f);
  const sf_count_t target = base + offset;
  if (target < 0) return -1;
  f.position = target;
  return target;
}

// libsndfile reads nothing back when writing the formats we use; what was handed out is gone, so reads there
// return nothing rather than wrong bytes.
sf_count_t read(void* ptr, sf_count_t count, void* user) {
  StreamFile& f = file(user);
  if (count <= 0 || f.position < f.taken || f.position >= length_of(f)) return 0;
  const sf_count_t n = std::min(count, length_of(f) - f.position);
  std::memcpy(ptr, f.pending.data() + (f.position - f.taken), static_cast<std::size_t>(n));
  f.position += n;
  return n;
}

// No exception may cross libsndfile's C frames: out of memory becomes a short write, which libsndfile reports.
sf_count_t write(const void* ptr, sf_count_t count, void* user) noexcept {
  StreamFile& f = file(user);
  if (count <= 0) return 0;
  try {
    const auto* src = static_cast<const std::uint8_t*>(ptr);
    sf_count_t done = 0;
    if (f.position < f.taken) {  // a header fix-up over bytes already handed out
      done = std::min(count, f.taken - f.position);
      f.late.push_back({static_cast<std::uint64_t>(f.position), {src, src + done}});
    }
    if (done < count) {
      const sf_count_t at = f.position + done - f.taken;  // >= 0: at or after the first pending byte
      const auto end = static_cast<std::size_t>(at + (count - done));
      if (end > f.pending.size()) f.pending.resize(end);
      std::memcpy(f.pending.data() + at, src + done, static_cast<std::size_t>(count - done));
    }
  } catch (...) {
    return 0;
  }
  f.position += count;
  return count;
}

sf_count_t tell(void* user) { return file(user).position; }

}  // namespace

std::vector<std::uint8_t> StreamFile::take() {
  std::vector<std::uint8_t> out;
  out.swap(pending);
  taken += static_cast<sf_count_t>(out.size());
  return out;
}

SF_VIRTUAL_IO* stream_io() {
  static SF_VIRTUAL_IO io{get_filelen, seek, read, write, tell};
  return &io;
}

}  // namespace fishtts::audio::detail
