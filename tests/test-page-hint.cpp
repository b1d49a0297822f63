// release_pages (common/page_hint.h): mapped file pages leave the process's resident set, and no memory's
// contents ever change.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/page_hint.h"

namespace fs = std::filesystem;

namespace {

// Rss (kB) of this process's mapping that starts at `start`, from /proc/self/smaps.
long resident_kb(const void* start) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_mapping = false;
  while (std::getline(smaps, line)) {
    uintptr_t from = 0, to = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &from, &to) == 2) {  // a mapping's header line
      in_mapping = from == reinterpret_cast<uintptr_t>(start);
    } else if (in_mapping && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

TEST(ReleasePages, AMappedFileLeavesTheResidentSetWithItsContentsIntact) {
  const fs::path path = fs::temp_directory_path() / ("fishtts-page-hint-" + std::to_string(::getpid()));
  std::vector<uint32_t> values(1 << 20);  // 4 MB
  std::iota(values.begin(), values.end(), 7u);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const size_t bytes = values.size() * 4;
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  fs::remove(path);
  ASSERT_NE(map, MAP_FAILED);
  const auto* mapped = static_cast<const uint32_t*>(map);
  uint64_t sum = 0;
  for (size_t i = 0; i < values.size(); ++i) sum += mapped[i];  // fault every page in
  const long before = resident_kb(map);
  ASSERT_GE(before, 4000) << "the test could not read its mapping in";

  fishtts::release_pages(map, bytes);
  const long after = resident_kb(map);
  EXPECT_LT(after, 100) << "resident before " << before << " kB";
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(mapped[i], values[i]) << "at " << i;
  EXPECT_EQ(sum, std::accumulate(values.begin(), values.end(), uint64_t{0}));
  ::munmap(map, bytes);
}

TEST(ReleasePages, HeapMemoryAndPartialPagesKeepTheirContents) {
  std::vector<float> heap(3 << 20);
  for (size_t i = 0; i < heap.size(); ++i) heap[i] = static_cast<float>(i) * 0.5f;
  fishtts::release_pages(heap.data() + 1, heap.size() * sizeof(float) - 9);  // unaligned both ends
  for (size_t i = 0; i < heap.size(); ++i) ASSERT_EQ(heap[i], static_cast<float>(i) * 0.5f) << "at " << i;
  fishtts::release_pages(nullptr, 0);
  fishtts::release_pages(heap.data(), 3);  // less than a page: nothing to do
}

}  // namespace
