// Read side of a zip archive held in memory (a mapped file): minizip walks and checks the central directory
// and each local header; entries are then plain byte ranges of the mapping, so tensor records need no copy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace fishtts::checkpoint {

struct ZipEntry {
  std::string name;
  uint64_t data_offset = 0;  // file offset of the entry's (stored) bytes
  uint64_t size = 0;         // uncompressed == compressed for stored entries
  uint32_t crc32 = 0;        // from the central directory
  bool stored = true;        // compression method 0
};

struct ZipLimits {
  size_t max_entries = 1u << 20;
};

class ZipArchive {
 public:
  // Parses the directory of `bytes` (which must outlive the archive). `label` names the file in errors.
  // Every entry's local header must match and its data must lie inside `bytes`; anything else throws
  // Error(kBadFormat) naming the entry.
  ZipArchive(std::span<const uint8_t> bytes, std::string label, ZipLimits limits = {});

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;
  // Bytes of a stored entry; throws kUnsupported for compressed entries.
  std::span<const uint8_t> data(const ZipEntry& entry) const;
  // Throws kBadFormat if the entry's bytes do not match its CRC-32.
  void verify_crc(const ZipEntry& entry) const;
  const std::string& label() const { return label_; }

 private:
  std::span<const uint8_t> bytes_;
  std::string label_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> by_name_;  // first entry of each name
};

}  // namespace fishtts::checkpoint
