// Writes an audio file chunk by chunk as samples arrive (libsndfile fixes up the header on close), so a
// streaming synthesis can be listened to while it runs. Path "-" writes headerless s16le to stdout.
#pragma once

#include <cstdio>
#include <filesystem>
#include <span>

#include <sndfile.h>

#include "audio/audio_io.h"

namespace fishtts::audio {

class AudioStreamWriter {
 public:
  AudioStreamWriter(const std::filesystem::path& path, int sample_rate, AudioFormat format);
  ~AudioStreamWriter();
  AudioStreamWriter(const AudioStreamWriter&) = delete;
  AudioStreamWriter& operator=(const AudioStreamWriter&) = delete;

  void write(std::span<const float> samples);
  // Finalises the file; further writes are errors. Called by the destructor if needed (errors then ignored).
  void close();

 private:
  std::filesystem::path path_;
  int sample_rate_;
  SNDFILE* file_ = nullptr;
  bool to_stdout_ = false;
};

}  // namespace fishtts::audio
