#include "audio/memory_sndfile.h"

#include <algorithm>
#include <cstring>

namespace fishtts::audio::detail {
namespace {

MemoryFile& file(void* user) { return *static_cast<MemoryFile*>(user); }

sf_count_t size_of(const MemoryFile& f) {
  return f.output ? static_cast<sf_count_t>(f.output->size()) : static_cast<sf_count_t>(f.input.size());
}

sf_count_t get_filelen(void* user) { return size_of(file(user)); }

sf_count_t seek(sf_count_t offset, int whence, void* user) {
  MemoryFile& f = file(user);
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f.position : size_of(f);
  sf_count_t target = base + offset;
  if (target < 0) return -1;
  f.position = target;
  return f.position;
}

sf_count_t read(void* ptr, sf_count_t count, void* user) {
  MemoryFile& f = file(user);
  sf_count_t size = size_of(f);
  if (f.position >= size || count <= 0) return 0;
  sf_count_t n = std::min(count, size - f.position);
  const std::uint8_t* src = f.output ? f.output->data() : f.input.data();
  std::memcpy(ptr, src + f.position, static_cast<std::size_t>(n));
  f.position += n;
  return n;
}

sf_count_t write(const void* ptr, sf_count_t count, void* user) {
  MemoryFile& f = file(user);
  if (!f.output || count < 0) return 0;
  auto end = static_cast<std::size_t>(f.position + count);
  if (end > f.output->size()) f.output->resize(end);
  std::memcpy(f.output->data() + f.position, ptr, static_cast<std::size_t>(count));
  f.position += count;
  return count;
}

sf_count_t tell(void* user) { return file(user).position; }

}  // namespace

SF_VIRTUAL_IO* memory_io() {
  static SF_VIRTUAL_IO io{get_filelen, seek, read, write, tell};
  return &io;
}

}  // namespace fishtts::audio::detail
