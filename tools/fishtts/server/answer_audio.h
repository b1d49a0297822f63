// The audio of a TTS answer as the request asked for it: speed (pitch kept), sample rate and format, either as
// one file or chunk by chunk while the synthesis runs (every format streams: wav with unknown sizes, raw pcm,
// mp3 frames, Ogg Opus pages, AAC ADTS frames, flac), optionally wrapped in OpenAI's server-sent events.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "audio/stream_encoder.h"
#include "audio/time_stretch.h"
#include "tts_request.h"

namespace fishtts::server {

// The whole file of `samples` (at the codec's `rate`).
std::string encode_answer(const TtsRequest& tts, int rate, std::vector<float> samples);

class AnswerStream {
 public:
  AnswerStream(const TtsRequest& tts, int rate);
  // The bytes to send for the next chunk of audio (may be empty while an encoder fills a frame).
  std::string write(std::span<const float> samples);
  // The rest, and for SSE the done event with usage (`input_characters`, `output_frames`).
  std::string finish(int input_characters, int output_frames);
  // What the answer's Content-Type is.
  std::string content_type() const;

 private:
  std::string wrap(const std::vector<std::uint8_t>& bytes) const;

  bool sse_;
  audio::AudioFormat format_;
  std::unique_ptr<audio::TimeStretcher> stretch_;  // null at speed 1
  std::unique_ptr<audio::StreamEncoder> encoder_;
};

}  // namespace fishtts::server
