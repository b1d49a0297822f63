#include "convert/codec_bundle.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "convert/model_file.h"

namespace fishtts::convert {
namespace {

nlohmann::json states_json(const std::vector<CodecState>& states) {
  nlohmann::json list = nlohmann::json::array();
  for (const CodecState& s : states) list.push_back({{"input", s.input}, {"output", s.output}, {"shape", s.shape}});
  return list;
}

// Frames one graph call sequence may cover: every transformer's RoPE table must have a row per position.
int64_t encode_frame_limit(const checkpoint::CodecConfig& c) {
  int64_t limit = c.pre_module.block_size;
  int64_t rate = 1;
  for (size_t i = 0; i < c.encoder_rates.size(); ++i) {
    rate *= c.encoder_rates[i];
    if (c.encoder_transformer_layers[i] > 0) limit = std::min(limit, c.general_block_size / (c.frame_length() / rate));
  }
  return limit;
}

}  // namespace

nlohmann::json codec_bundle_info(const checkpoint::CodecConfig& c, const CodecGraph& decode, const CodecGraph& encode) {
  std::vector<int64_t> sizes(static_cast<size_t>(c.n_codebooks + 1), c.codebook_size);
  sizes[0] = c.semantic_codebook_size;
  int64_t upsampling = 1;
  for (int64_t f : c.downsample_factor) upsampling *= f;
  return {
      {"converter_version", kCodecConverterVersion},
      {"precision", "fp32"},
      {"sample_rate", c.sample_rate},
      {"frame_length", c.frame_length()},
      {"hop_length", c.hop_length()},
      {"latent_dim", c.latent_dim},
      {"codebook_sizes", sizes},
      {"decode",
       {{"file", "codec_decode.onnx"},
        {"max_frames", c.post_module.block_size},
        {"latent_steps_per_frame", upsampling},
        {"states", states_json(decode.states)}}},
      {"encode",
       {{"file", "codec_encode.onnx"},
        {"max_frames", encode_frame_limit(c)},
        {"latent_steps_per_frame", c.frame_length() / c.hop_length()},
        {"states", states_json(encode.states)}}},
  };
}

void convert_codec(const std::string& checkpoint_dir, const std::string& out_dir, const CodecConvertOptions& options) {
  namespace fs = std::filesystem;
  checkpoint::CodecWeights weights = checkpoint::load_codec_weights(checkpoint_dir);
  fs::create_directories(out_dir);
  auto write = [&](CodecGraph& graph, const std::string& name) {
    const std::string path = (fs::path(out_dir) / name).string();
    save_model(graph.model, path);
    if (options.check) check_model_file(path);
  };
  CodecGraph decode = build_codec_decode_graph(weights, options.graph);
  write(decode, "codec_decode.onnx");
  CodecGraph encode = build_codec_encode_graph(weights, options.graph);
  write(encode, "codec_encode.onnx");

  const fs::path info = fs::path(out_dir) / "codec.json";
  const fs::path tmp = fs::path(out_dir) / "codec.json.tmp";
  {
    std::ofstream out(tmp);
    out << codec_bundle_info(weights.config, decode, encode).dump(2) << "\n";
    if (!out.flush()) throw Error(ErrorCode::kIo, tmp.string() + ": write failed");
  }
  fs::rename(tmp, info);  // codec.json last: its presence means the codec graphs are complete
}

}  // namespace fishtts::convert
