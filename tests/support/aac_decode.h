// Test helper: an ADTS (.aac) byte stream decoded back with FFmpeg (libavformat's aac demuxer, libavcodec's
// decoder), to mono float and its stated rate. Empty samples when FFmpeg cannot read it.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <unistd.h>

#include "audio_analysis.h"

namespace fishtts::test {

inline DecodedFile decode_aac(std::span<const std::uint8_t> bytes) {
  av_log_set_level(AV_LOG_ERROR);  // the demuxer warns that an ADTS stream states no duration
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("fishtts-aac-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".aac");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                               static_cast<std::streamsize>(bytes.size()));
  DecodedFile d;
  AVFormatContext* format = nullptr;
  if (avformat_open_input(&format, path.c_str(), nullptr, nullptr) == 0 &&
      avformat_find_stream_info(format, nullptr) >= 0 && format->nb_streams == 1) {
    const AVCodecParameters* par = format->streams[0]->codecpar;
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    AVCodecContext* ctx = avcodec_alloc_context3(codec);
    AVPacket* packet = av_packet_alloc();
    AVFrame* frame = av_frame_alloc();
    if (codec && avcodec_parameters_to_context(ctx, par) >= 0 && avcodec_open2(ctx, codec, nullptr) >= 0) {
      d.rate = ctx->sample_rate;
      auto receive = [&] {
        while (avcodec_receive_frame(ctx, frame) == 0) {
          const auto* plane = reinterpret_cast<const float*>(frame->data[0]);  // fltp: channel 0
          d.samples.insert(d.samples.end(), plane, plane + frame->nb_samples);
        }
      };
      while (av_read_frame(format, packet) >= 0) {
        avcodec_send_packet(ctx, packet);
        av_packet_unref(packet);
        receive();
      }
      avcodec_send_packet(ctx, nullptr);
      receive();
    }
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&ctx);
  }
  avformat_close_input(&format);
  std::filesystem::remove(path);
  return d;
}

}  // namespace fishtts::test
