#include "checkpoint/torch_writer.h"

#include <zip.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

constexpr uint64_t kAlignment = 64;

// stdio callbacks for minizip that let us ask where the next local header will start.
voidpf ZCALLBACK file_open(voidpf opaque, const void* filename, int) {
  FILE* f = std::fopen(static_cast<const char*>(filename), "wb");
  *static_cast<FILE**>(opaque) = f;
  return f;
}
uLong ZCALLBACK file_read(voidpf, voidpf stream, void* buf, uLong size) { return std::fread(buf, 1, size, static_cast<FILE*>(stream)); }
uLong ZCALLBACK file_write(voidpf, voidpf stream, const void* buf, uLong size) { return std::fwrite(buf, 1, size, static_cast<FILE*>(stream)); }
ZPOS64_T ZCALLBACK file_tell(voidpf, voidpf stream) { return static_cast<ZPOS64_T>(ftello(static_cast<FILE*>(stream))); }
long ZCALLBACK file_seek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  int whence = origin == ZLIB_FILEFUNC_SEEK_CUR ? SEEK_CUR : origin == ZLIB_FILEFUNC_SEEK_END ? SEEK_END : SEEK_SET;
  return fseeko(static_cast<FILE*>(stream), static_cast<off_t>(offset), whence) == 0 ? 0 : -1;
}
int ZCALLBACK file_close(voidpf, voidpf stream) { return std::fclose(static_cast<FILE*>(stream)); }
int ZCALLBACK file_error(voidpf, voidpf stream) { return std::ferror(static_cast<FILE*>(stream)); }

class ZipWriter : public RecordSink {
 public:
  ZipWriter(const std::string& path, bool zip64) : path_(path), zip64_(zip64) {
    zlib_filefunc64_def io{};
    io.zopen64_file = file_open;
    io.zread_file = file_read;
    io.zwrite_file = file_write;
    io.ztell64_file = file_tell;
    io.zseek64_file = file_seek;
    io.zclose_file = file_close;
    io.zerror_file = file_error;
    io.opaque = &file_;
    zip_ = zipOpen2_64(path.c_str(), APPEND_STATUS_CREATE, nullptr, &io);
    if (zip_ == nullptr) throw Error(ErrorCode::kIo, "cannot create " + path + ": " + std::strerror(errno));
  }
  ~ZipWriter() override {
    if (zip_ != nullptr) zipClose(zip_, nullptr);
  }

  void begin(const std::string& name) {
    // Local header = 30 bytes + name + extra (+ 20 bytes of zip64 sizes); pad the extra so data is aligned.
    const uint64_t position = static_cast<uint64_t>(ftello(file_));
    const uint64_t header = position + 30 + name.size() + (zip64_ ? 20 : 0) + 4;
    const uint64_t pad = (kAlignment - header % kAlignment) % kAlignment;
    std::vector<uint8_t> extra(4 + pad, 'Z');
    extra[0] = 'F';
    extra[1] = 'B';
    extra[2] = static_cast<uint8_t>(pad & 0xff);
    extra[3] = static_cast<uint8_t>(pad >> 8);
    zip_fileinfo info{};
    if (zipOpenNewFileInZip4_64(zip_, name.c_str(), &info, extra.data(), static_cast<uInt>(extra.size()), nullptr, 0,
                                nullptr, 0 /* stored */, 0, 0, -MAX_WBITS, DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY, nullptr,
                                0, 0, 0, zip64_ ? 1 : 0) != ZIP_OK) {
      throw Error(ErrorCode::kIo, path_ + ": cannot start zip entry " + name);
    }
    entry_ = name;
  }
  void write(std::span<const uint8_t> bytes) override {
    for (size_t pos = 0; pos < bytes.size();) {
      const size_t n = std::min<size_t>(bytes.size() - pos, 1u << 30);
      if (zipWriteInFileInZip(zip_, bytes.data() + pos, static_cast<unsigned>(n)) != ZIP_OK) {
        throw Error(ErrorCode::kIo, path_ + ": write failed in zip entry " + entry_ + " (disk full?)");
      }
      pos += n;
      written_ += n;
    }
  }
  void end() {
    if (zipCloseFileInZip(zip_) != ZIP_OK) throw Error(ErrorCode::kIo, path_ + ": cannot finish zip entry " + entry_);
  }
  void record(const std::string& name, std::span<const uint8_t> bytes) {
    begin(name);
    write(bytes);
    end();
  }
  uint64_t written() const { return written_; }
  void close() {
    int rc = zipClose(zip_, nullptr);
    zip_ = nullptr;
    if (rc != ZIP_OK) throw Error(ErrorCode::kIo, path_ + ": cannot write the zip directory");
  }

 private:
  std::string path_;
  bool zip64_;
  FILE* file_ = nullptr;
  zipFile zip_ = nullptr;
  std::string entry_;
  uint64_t written_ = 0;
};

std::span<const uint8_t> text_bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

void write_torch_checkpoint(const std::string& path, const std::string& archive_name,
                            const std::vector<TensorSpec>& tensors, const RecordProducer& producer) {
  uint64_t total = 0;
  for (const TensorSpec& t : tensors) total += t.byte_size() + kAlignment + 128;
  ZipWriter zip(path, /*zip64=*/total >= 0xffff0000ull);  // zip64 records only when offsets need them
  const std::string prefix = archive_name + "/";
  const std::vector<uint8_t> pickle = state_dict_pickle(tensors);
  zip.record(prefix + "data.pkl", pickle);
  zip.record(prefix + "byteorder", text_bytes("little"));
  for (size_t i = 0; i < tensors.size(); ++i) {
    zip.begin(prefix + "data/" + std::to_string(i));
    const uint64_t before = zip.written();
    producer(i, zip);
    if (zip.written() - before != tensors[i].byte_size()) {
      throw Error(ErrorCode::kInternal, path + ": producer wrote " + std::to_string(zip.written() - before) + " bytes for " +
                                            tensors[i].name + ", expected " + std::to_string(tensors[i].byte_size()));
    }
    zip.end();
  }
  zip.record(prefix + "version", text_bytes("3\n"));
  zip.close();
}

}  // namespace fishtts::checkpoint
