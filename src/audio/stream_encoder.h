// Encoding while audio is generated: float samples go in chunk by chunk, and the bytes that are final so far come
// out (wav with "unknown" sizes, raw s16le, mp3 frames, Ogg Opus pages, AAC ADTS frames, flac frames), so a
// server can send each chunk as soon as it is made. encode_audio() and AudioStreamWriter are built on it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "audio/audio_io.h"

namespace fishtts::audio {

struct EncoderOptions {
  int input_rate = 44100;  // the samples' rate (the codec's)
  // The encoded rate: 0 keeps the input's (Opus, which allows only 8/12/16/24/48 kHz, then takes 48 kHz);
  // another rate is converted with soxr (OpenAI's pcm is 24 kHz).
  int output_rate = 0;
  void validate(AudioFormat format) const;  // throws kInvalidArgument naming the bad field
};

// A header fix-up the codec made after those bytes were handed out (wav sizes, flac totals, mp3's LAME tag).
// A stream cannot take them back and needs none of them to play; a file writes them to become the same file
// encode_audio() makes.
struct LateWrite {
  std::uint64_t offset = 0;
  std::vector<std::uint8_t> bytes;
};

class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Encodes more samples; returns the bytes now final (may be empty while the codec fills a frame or a page).
  virtual std::vector<std::uint8_t> write(std::span<const float> samples) = 0;
  // Flushes the codec and returns the rest; further calls are errors.
  virtual std::vector<std::uint8_t> finish() = 0;
  // Meaningful after finish().
  virtual std::vector<LateWrite> late_writes() const { return {}; }
  virtual int output_rate() const = 0;
};

// Throws kInvalidArgument for bad options, kUnsupported when this machine's libraries lack the codec.
std::unique_ptr<StreamEncoder> make_stream_encoder(AudioFormat format, const EncoderOptions& options);

// Puts late writes over a whole encoded file (the concatenation of every write() and finish()).
void apply_late_writes(std::vector<std::uint8_t>& file, const std::vector<LateWrite>& writes);

}  // namespace fishtts::audio
