// The numbers of a converted codec (codec.json, written by convert/codec_bundle.h): rates, codebook sizes,
// position limits, and the state tensors each chunk graph carries from one call to the next.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fishtts::codec {

struct StateInfo {
  std::string input;
  std::string output;
  std::vector<int64_t> shape;
};

struct ChunkGraphInfo {
  std::string file;
  int64_t max_frames = 0;  // position limit of its transformers (RoPE table rows), in codec frames
  int64_t window_frames = 0;  // attention window of its transformer, in codec frames; 0 = not recorded
  int64_t latent_steps_per_frame = 0;
  std::vector<StateInfo> states;
};

struct CodecInfo {
  int64_t sample_rate = 0;
  int64_t frame_length = 0;  // samples per code frame
  int64_t hop_length = 0;
  int64_t latent_dim = 0;
  std::vector<int64_t> codebook_sizes;  // [0] semantic, then residual
  std::string precision;  // of the decode convs, as converted: a hw::codec_precision_name (checked on read)
  ChunkGraphInfo decode;
  ChunkGraphInfo encode;

  size_t num_codebooks() const { return codebook_sizes.size(); }
  // Throws Error(kBadFormat) naming `where` and the bad field.
  static CodecInfo from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace fishtts::codec
