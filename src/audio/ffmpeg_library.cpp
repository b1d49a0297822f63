#include "audio/ffmpeg_library.h"

#include <dlfcn.h>

#include <memory>

namespace fishtts::audio::detail {
namespace {

// The sonames of the headers we compiled against: a different major has a different ABI.
#define FISHTTS_SONAME(lib, major) "lib" lib ".so." AV_STRINGIFY(major)
constexpr const char* kUtil = FISHTTS_SONAME("avutil", LIBAVUTIL_VERSION_MAJOR);
constexpr const char* kCodec = FISHTTS_SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR);
constexpr const char* kFormat = FISHTTS_SONAME("avformat", LIBAVFORMAT_VERSION_MAJOR);
#undef FISHTTS_SONAME

struct Loaded {
  std::unique_ptr<FfmpegLibrary> library;
  std::string error;
};

Loaded load() {
  Loaded out;
  // Kept loaded for the life of the process (FFmpeg has no clean unload, and encoders may run until exit).
  void* util = dlopen(kUtil, RTLD_NOW | RTLD_LOCAL);
  void* codec = util ? dlopen(kCodec, RTLD_NOW | RTLD_LOCAL) : nullptr;
  void* format = codec ? dlopen(kFormat, RTLD_NOW | RTLD_LOCAL) : nullptr;
  if (!format) {
    const char* why = dlerror();
    out.error = std::string("aac needs FFmpeg (") + kUtil + ", " + kCodec + ", " + kFormat +
                "; Debian: libavcodec59 libavformat59): " + (why ? why : "not found");
    return out;
  }
  auto library = std::make_unique<FfmpegLibrary>();
#define FISHTTS_FFMPEG_RESOLVE(lib, name)                                                  \
  library->name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name));                 \
  if (!library->name) {                                                                    \
    out.error = std::string("aac: FFmpeg's ") + (lib == util ? kUtil : lib == codec ? kCodec : kFormat) + \
                " has no " #name;                                                          \
    return out;                                                                            \
  }
  FISHTTS_FFMPEG_FUNCTIONS(FISHTTS_FFMPEG_RESOLVE)
#undef FISHTTS_FFMPEG_RESOLVE
  out.library = std::move(library);
  return out;
}

const Loaded& loaded() {
  static const Loaded instance = load();
  return instance;
}

}  // namespace

const FfmpegLibrary* ffmpeg_library() { return loaded().library.get(); }
const std::string& ffmpeg_load_error() { return loaded().error; }

}  // namespace fishtts::audio::detail
