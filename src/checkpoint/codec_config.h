// The modded-DAC codec architecture (spec 5.0): from codec_config.json (Hydra's modded_dac_vq.yaml as JSON)
// when the checkpoint folder has one, otherwise S1's yaml values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fishtts::checkpoint {

struct CodecTransformerConfig {
  int64_t block_size = 4096;  // RoPE table rows (position limit)
  int64_t n_layer = 8;
  int64_t n_head = 16;
  int64_t dim = 1024;
  int64_t intermediate_size = 3072;
  int64_t n_local_heads = 16;  // -1 in the file -> n_head
  int64_t head_dim = 64;
  double rope_base = 10000;
  double norm_eps = 1e-5;
  int64_t window_size = 128;
};

struct CodecConfig {
  int64_t sample_rate = 44100;
  int64_t encoder_dim = 64;
  std::vector<int64_t> encoder_rates = {2, 4, 8, 8};
  int64_t decoder_dim = 1536;
  std::vector<int64_t> decoder_rates = {8, 8, 4, 2};
  std::vector<int64_t> encoder_transformer_layers = {0, 0, 0, 4};
  std::vector<int64_t> decoder_transformer_layers = {4, 0, 0, 0};  // no effect upstream (spec 1.5)
  // transformer_general_config (the encoder transformers): block size, heads from head_dim, rope, eps
  int64_t general_block_size = 16384;
  int64_t general_head_dim = 64;
  int64_t general_n_local_heads = -1;
  double general_rope_base = 10000;
  double general_norm_eps = 1e-5;
  int64_t encoder_transformer_window = 512;  // a code constant upstream, not in the yaml
  int64_t encoder_transformer_ffn = 0;       // not in the yaml: 0 = 3 * dim, or read from the w1 weight
  // quantizer
  int64_t latent_dim = 1024;  // quantizer.input_dim
  int64_t n_codebooks = 9;    // residual codebooks only
  int64_t codebook_size = 1024;
  int64_t codebook_dim = 8;
  int64_t semantic_codebook_size = 4096;
  std::vector<int64_t> downsample_factor = {2, 2};
  CodecTransformerConfig pre_module;
  CodecTransformerConfig post_module;

  bool from_file = false;  // false: the S1 defaults

  static CodecConfig s1_defaults();
  static CodecConfig from_json(const nlohmann::json& json, const std::string& where = "codec_config.json");
  // codec_config.json in `dir` if present, else S1 defaults.
  static CodecConfig for_checkpoint_dir(const std::string& dir);
  nlohmann::json to_json() const;  // Hydra layout, loadable by from_json
  void validate(const std::string& where) const;

  int64_t hop_length() const;    // product of encoder rates
  int64_t frame_length() const;  // hop * product of downsample factors
  int64_t encoder_channels(size_t block) const { return encoder_dim << (block + 1); }
  int64_t decoder_channels(size_t block) const { return decoder_dim >> (block + 1); }
};

}  // namespace fishtts::checkpoint
