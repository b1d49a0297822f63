#include "checkpoint/zip_archive.h"

#include <unzip.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

// minizip reads through these callbacks from a memory buffer instead of a FILE*.
struct MemoryStream {
  std::span<const uint8_t> bytes;
  uint64_t position = 0;
};

voidpf ZCALLBACK memory_open(voidpf opaque, const void*, int) {
  return new MemoryStream{*static_cast<std::span<const uint8_t>*>(opaque), 0};
}

uLong ZCALLBACK memory_read(voidpf, voidpf stream, void* buf, uLong size) {
  auto* s = static_cast<MemoryStream*>(stream);
  if (s->position >= s->bytes.size()) return 0;
  uint64_t n = std::min<uint64_t>(size, s->bytes.size() - s->position);
  std::memcpy(buf, s->bytes.data() + s->position, n);
  s->position += n;
  return static_cast<uLong>(n);
}

uLong ZCALLBACK memory_write(voidpf, voidpf, const void*, uLong) { return 0; }

ZPOS64_T ZCALLBACK memory_tell(voidpf, voidpf stream) { return static_cast<MemoryStream*>(stream)->position; }

long ZCALLBACK memory_seek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  auto* s = static_cast<MemoryStream*>(stream);
  uint64_t base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET: base = 0; break;
    case ZLIB_FILEFUNC_SEEK_CUR: base = s->position; break;
    case ZLIB_FILEFUNC_SEEK_END: base = s->bytes.size(); break;
    default: return -1;
  }
  if (offset > s->bytes.size() || base > s->bytes.size() - offset) return -1;  // no seeking past the end
  s->position = base + offset;
  return 0;
}

int ZCALLBACK memory_close(voidpf, voidpf stream) {
  delete static_cast<MemoryStream*>(stream);
  return 0;
}

int ZCALLBACK memory_error(voidpf, voidpf) { return 0; }

struct UnzCloser {
  void operator()(void* f) const { unzClose(f); }
};

}  // namespace

ZipArchive::ZipArchive(std::span<const uint8_t> bytes, std::string label, ZipLimits limits)
    : bytes_(bytes), label_(std::move(label)) {
  zlib_filefunc64_def io{};
  io.zopen64_file = memory_open;
  io.zread_file = memory_read;
  io.zwrite_file = memory_write;
  io.ztell64_file = memory_tell;
  io.zseek64_file = memory_seek;
  io.zclose_file = memory_close;
  io.zerror_file = memory_error;
  io.opaque = &bytes_;
  std::unique_ptr<void, UnzCloser> zip(unzOpen2_64("memory", &io));
  if (!zip) throw Error(ErrorCode::kBadFormat, label_ + ": not a zip archive (no readable central directory)");

  unz_global_info64 global{};
  if (unzGetGlobalInfo64(zip.get(), &global) != UNZ_OK) {
    throw Error(ErrorCode::kBadFormat, label_ + ": unreadable zip directory");
  }
  if (global.number_entry > limits.max_entries) {
    throw Error(ErrorCode::kOutOfRange, label_ + ": zip has " + std::to_string(global.number_entry) +
                                            " entries, more than the limit " + std::to_string(limits.max_entries));
  }
  int rc = unzGoToFirstFile(zip.get());
  while (rc == UNZ_OK) {
    unz_file_info64 info{};
    char name[1024];
    if (unzGetCurrentFileInfo64(zip.get(), &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK) {
      throw Error(ErrorCode::kBadFormat, label_ + ": unreadable zip entry #" + std::to_string(entries_.size()));
    }
    if (info.size_filename >= sizeof name) {
      throw Error(ErrorCode::kBadFormat, label_ + ": zip entry name longer than 1023 bytes");
    }
    ZipEntry entry;
    entry.name.assign(name, info.size_filename);
    entry.crc32 = static_cast<uint32_t>(info.crc);
    entry.stored = info.compression_method == 0;
    entry.size = info.uncompressed_size;
    if (entry.stored && info.compressed_size != info.uncompressed_size) {
      throw Error(ErrorCode::kBadFormat, label_ + ": stored zip entry " + entry.name + " has compressed size " +
                                             std::to_string(info.compressed_size) + " != uncompressed size " +
                                             std::to_string(info.uncompressed_size));
    }
    // Opening checks the local header against the central directory and yields the data offset.
    if (unzOpenCurrentFile(zip.get()) != UNZ_OK) {
      throw Error(ErrorCode::kBadFormat, label_ + ": zip entry " + entry.name +
                                             ": local header missing or inconsistent with the central directory");
    }
    entry.data_offset = unzGetCurrentFileZStreamPos64(zip.get());
    unzCloseCurrentFile(zip.get());
    if (entry.data_offset > bytes_.size() || info.compressed_size > bytes_.size() - entry.data_offset) {
      throw Error(ErrorCode::kBadFormat, label_ + ": zip entry " + entry.name + " (offset " +
                                             std::to_string(entry.data_offset) + ", size " +
                                             std::to_string(info.compressed_size) + ") extends past the end of the " +
                                             std::to_string(bytes_.size()) + "-byte file");
    }
    by_name_.emplace(entry.name, entries_.size());
    entries_.push_back(std::move(entry));
    rc = unzGoToNextFile(zip.get());
  }
  if (rc != UNZ_END_OF_LIST_OF_FILE) {
    throw Error(ErrorCode::kBadFormat, label_ + ": zip directory ends early after entry #" +
                                           std::to_string(entries_.size()));
  }
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

std::span<const uint8_t> ZipArchive::data(const ZipEntry& entry) const {
  if (!entry.stored) {
    throw Error(ErrorCode::kUnsupported, label_ + ": zip entry " + entry.name +
                                             " is compressed; torch.save records must be stored (method 0)");
  }
  return bytes_.subspan(entry.data_offset, entry.size);
}

void ZipArchive::verify_crc(const ZipEntry& entry) const {
  auto bytes = data(entry);
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib's crc32 takes uInt lengths: feed large records in chunks.
  for (size_t pos = 0; pos < bytes.size();) {
    size_t n = std::min<size_t>(bytes.size() - pos, 1u << 30);
    crc = crc32(crc, bytes.data() + pos, static_cast<uInt>(n));
    pos += n;
  }
  if (static_cast<uint32_t>(crc) != entry.crc32) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x, directory says %08x", static_cast<unsigned>(crc), entry.crc32);
    throw Error(ErrorCode::kBadFormat, label_ + ": zip entry " + entry.name + " fails its CRC-32 check (data " + buf + ")");
  }
}

}  // namespace fishtts::checkpoint
