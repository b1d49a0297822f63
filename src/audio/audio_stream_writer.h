// Writes an audio file chunk by chunk as samples arrive (a StreamEncoder's bytes, flushed as they come), so a
// streaming synthesis can be listened to while it runs; on close the encoder's header fix-ups are written back,
// giving the same file as encode_audio(). Path "-" writes the format's stream to stdout (raw s16le by default).
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>

#include "audio/audio_io.h"
#include "audio/stream_encoder.h"

namespace fishtts::audio {

class AudioStreamWriter {
 public:
  AudioStreamWriter(const std::filesystem::path& path, int sample_rate, AudioFormat format);
  AudioStreamWriter(const std::filesystem::path& path, AudioFormat format, const EncoderOptions& options);
  ~AudioStreamWriter();
  AudioStreamWriter(const AudioStreamWriter&) = delete;
  AudioStreamWriter& operator=(const AudioStreamWriter&) = delete;

  void write(std::span<const float> samples);
  // Finalises the file; further writes are errors. Called by the destructor if needed (errors then ignored).
  void close();

 private:
  void put(const std::vector<std::uint8_t>& bytes);

  std::filesystem::path path_;
  std::unique_ptr<StreamEncoder> encoder_;
  std::FILE* file_ = nullptr;  // stdout for "-"
  bool to_stdout_ = false;
};

}  // namespace fishtts::audio
