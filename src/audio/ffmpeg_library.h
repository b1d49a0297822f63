// FFmpeg, loaded on the first AAC request rather than at process start: libavformat and libavcodec pull in
// ~130 shared libraries and ~25 MB of resident memory (measured: a C program linking them starts at 26 MB RSS,
// 1.3 MB without), which every `fishtts` process would otherwise pay for a format most requests never use.
// The functions are the headers' own declarations, resolved from the sonames those headers belong to.
// Internal to src/audio.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

#include <string>

namespace fishtts::audio::detail {

#define FISHTTS_FFMPEG_FUNCTIONS(X)                                                                          \
  X(util, av_channel_layout_copy) X(util, av_channel_layout_default) X(util, av_frame_alloc)               \
  X(util, av_frame_free) X(util, av_frame_get_buffer) X(util, av_frame_unref) X(util, av_free)             \
  X(util, av_freep) X(util, av_log_get_level) X(util, av_log_set_level) X(util, av_malloc)                 \
  X(util, av_strerror) X(codec, av_packet_alloc) X(codec, av_packet_free) X(codec, av_packet_rescale_ts)    \
  X(codec, av_packet_unref) X(codec, avcodec_alloc_context3) X(codec, avcodec_find_encoder_by_name)        \
  X(codec, avcodec_free_context) X(codec, avcodec_open2) X(codec, avcodec_parameters_from_context)         \
  X(codec, avcodec_receive_packet) X(codec, avcodec_send_frame) X(format, av_write_frame)                  \
  X(format, av_write_trailer) X(format, avformat_alloc_output_context2) X(format, avformat_free_context)   \
  X(format, avformat_new_stream) X(format, avformat_write_header) X(format, avio_alloc_context)            \
  X(format, avio_context_free) X(format, avio_flush)

struct FfmpegLibrary {
#define FISHTTS_FFMPEG_POINTER(lib, name) decltype(&::name) name = nullptr;
  FISHTTS_FFMPEG_FUNCTIONS(FISHTTS_FFMPEG_POINTER)
#undef FISHTTS_FFMPEG_POINTER
};

// Loaded once per process (thread-safe); nullptr when a library or a function is missing, with the reason in
// ffmpeg_load_error().
const FfmpegLibrary* ffmpeg_library();
const std::string& ffmpeg_load_error();

}  // namespace fishtts::audio::detail
