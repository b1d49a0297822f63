# Every third-party dependency, found from the system (Debian packages; scripts/setup.sh installs them).
include(OnnxRuntime)

find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)    # tokenizer pre-split regex (Unicode)
pkg_check_modules(MINIZIP REQUIRED IMPORTED_TARGET minizip)     # torch.save zip archives
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)     # audio file I/O
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)           # resampling to 44.1 kHz
pkg_check_modules(LAME REQUIRED IMPORTED_TARGET lame)           # mp3 streams without a Xing tag (src/audio)
pkg_check_modules(SOUNDTOUCH REQUIRED IMPORTED_TARGET soundtouch) # speed keeping pitch (WSOLA)
# FFmpeg (the native AAC encoder, its ADTS muxer): headers for src/audio, which loads the libraries on first use;
# linked only by the tests that decode aac back.
pkg_check_modules(AVCODEC REQUIRED IMPORTED_TARGET libavcodec)
pkg_check_modules(AVFORMAT REQUIRED IMPORTED_TARGET libavformat)
pkg_check_modules(AVUTIL REQUIRED IMPORTED_TARGET libavutil)
find_package(ZLIB REQUIRED)                                     # crc32 of zip records
find_package(OpenSSL REQUIRED COMPONENTS Crypto)                # base64, sha256
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(CpuFeatures REQUIRED)                              # ISA detection (Google cpu_features)
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)                                     # ModelProto classes + checker for the converter
find_package(Eigen3 3.4 REQUIRED NO_MODULE)                     # vectorized sin of the fused Snake op (src/ort)
find_package(dnnl 2.6 CONFIG REQUIRED)                          # oneDNN: the codec's bf16 convs (src/ort, AMX/AVX512-BF16)
find_library(GOMP_LIBRARY NAMES gomp libgomp.so.1 REQUIRED)     # oneDNN's OpenMP runtime, told to use one thread per call
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)                               # Boost.Beast (header-only): `fishtts serve`'s HTTP listener
find_package(Poco REQUIRED COMPONENTS Net Foundation)           # the server's multipart/form-data bodies and request targets
if(FISHTTS_BUILD_TESTS)
  find_package(GTest REQUIRED)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib) # the server tests' HTTP client (its cflags pick the .so's ABI)
endif()
if(FISHTTS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
