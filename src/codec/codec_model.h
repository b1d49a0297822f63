// The converted codec loaded into ONNX Runtime (immutable, sessions shared by every request):
//   codes [num_codebooks, T] -> samples (decode), samples -> codes (encode), and per-request streaming decoders.
//
//   auto codec = codec::CodecModel::load(bundle_dir, settings);
//   std::vector<float> pcm = codec->decode(codes);              // 44.1 kHz mono, frame_length samples per frame
//   text::IntMatrix codes = codec->encode(pcm);                  // [num_codebooks, ceil(L / frame_length)]
//   auto stream = codec->new_stream();                           // push frames as they are generated
//   std::vector<float> part = stream->push(frames);              // the samples those frames complete
//
// Codes: row 0 semantic, rows 1.. residual. Values above a codebook's range are clamped to its last entry, as
// upstream does (spec 5.4); negative values are an error naming the position (upstream would index from the end).
#pragma once

#include <onnxruntime_cxx_api.h>

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "codec/codec_info.h"
#include "hw/engine_settings.h"
#include "text/prompt.h"

namespace fishtts::codec {

class StreamingDecoder;

struct CodecRunOptions {
  // Frames per graph call of a whole-utterance decode / encode. Bounds memory (an S1-size decode needs about
  // 5 MB of activations per frame) at no cost in exactness: the graphs carry their causal state across calls.
  int decode_chunk_frames = 16;  // bench-codec, 10 s, 2 threads: rtf 0.78 at 16, 0.80 at 32, 0.85 at 64
  int encode_chunk_frames = 16;  // bench-codec: rtf 0.50 at 16, 0.63 at 64, 0.78 at 215
};

// Intermediate stages of one whole decode (one graph call), for parity checks: [latent, T], [latent, T],
// [latent, T * upsampling] (channels-major) and the samples.
struct DecodeStages {
  std::vector<float> zq, post, latent, audio;
};
struct EncodeStages {
  std::vector<float> latent, pre;  // [latent, steps], [latent, T]
  text::IntMatrix codes;
};

class CodecModel {
 public:
  // Loads <bundle_dir>/codec.json and the graphs it names.
  static std::shared_ptr<const CodecModel> load(const std::string& bundle_dir, const hw::EngineSettings& settings,
                                                const CodecRunOptions& options = {});

  const CodecInfo& info() const { return info_; }
  const CodecRunOptions& options() const { return options_; }

  std::vector<float> decode(const text::IntMatrix& codes) const;
  text::IntMatrix encode(std::span<const float> samples) const;
  std::unique_ptr<StreamingDecoder> new_stream(int chunk_frames = 1) const;

  DecodeStages decode_stages(const text::IntMatrix& codes) const;
  EncodeStages encode_stages(std::span<const float> samples) const;

  // Throws Error(kInvalidArgument) for a wrong row count or a negative code (naming row and column, counting
  // columns from `first_frame`), kOutOfRange past the position limit.
  void check_codes(const text::IntMatrix& codes, int64_t first_frame = 0) const;

  Ort::Session& decode_session() const { return *decode_; }
  // The encoder session, created on the first call (thread-safe): only a request with a new reference voice
  // encodes, and the S1-mini encoder's weights are ~700 MB that a request without one never needs.
  Ort::Session& encode_session() const;
  bool encoder_loaded() const;

 private:
  CodecModel() = default;
  std::unique_ptr<Ort::Session> open_session(const std::string& file) const;

  std::string bundle_dir_;
  hw::EngineSettings settings_;
  CodecInfo info_;
  CodecRunOptions options_;
  std::unique_ptr<Ort::Session> decode_;
  mutable std::mutex encode_mutex_;
  mutable std::unique_ptr<Ort::Session> encode_;  // null until the first encode
};

}  // namespace fishtts::codec
