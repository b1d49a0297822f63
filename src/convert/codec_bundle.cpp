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

nlohmann::json CodecConvertOptions::to_json() const {
  nlohmann::json j = {{"precision", codec_precision_name(precision)}, {"fused_snake", graph.fused_snake}};
  if (precision == CodecPrecision::kInt8) {
    j["calibration"] = {{"frames", int8.calibration.frames},
                        {"chunk_frames", int8.calibration.chunk_frames},
                        {"seed", int8.calibration.seed},
                        {"percentile", int8.calibration.percentile}};
    j["edges_fp32"] = int8.edges_fp32;
    j["keep_fp32"] = int8.keep_fp32;
  }
  return j;
}

ConvQuantization plan_int8_decode(const CodecGraph& fp32_decode, const checkpoint::CodecConfig& config,
                                  const CodecInt8Options& options) {
  std::vector<const ConvTap*> candidates;
  for (const ConvTap& conv : fp32_decode.convs) {
    if (conv.name.starts_with("decoder.") && conv.groups == 1) candidates.push_back(&conv);
  }
  if (options.edges_fp32 && !candidates.empty()) {
    candidates.erase(candidates.end() - 1);
    candidates.erase(candidates.begin());
  }
  ConvQuantization all = calibrate_decode(fp32_decode, config, options.calibration);
  ConvQuantization chosen;
  for (const ConvTap* conv : candidates) {
    const std::string dotted = conv->name + ".";  // "x.conv." names exactly one conv
    const bool kept = std::any_of(options.keep_fp32.begin(), options.keep_fp32.end(),
                                  [&](const std::string& part) { return dotted.find(part) != std::string::npos; });
    if (!kept) chosen[conv->name] = all.at(conv->name);
  }
  return chosen;
}

nlohmann::json codec_bundle_info(const checkpoint::CodecConfig& c, const CodecGraph& decode, const CodecGraph& encode,
                                 CodecPrecision precision) {
  std::vector<int64_t> sizes(static_cast<size_t>(c.n_codebooks + 1), c.codebook_size);
  sizes[0] = c.semantic_codebook_size;
  int64_t upsampling = 1;
  for (int64_t f : c.downsample_factor) upsampling *= f;
  return {
      {"converter_version", kCodecConverterVersion},
      {"precision", codec_precision_name(precision)},
      {"sample_rate", c.sample_rate},
      {"frame_length", c.frame_length()},
      {"hop_length", c.hop_length()},
      {"latent_dim", c.latent_dim},
      {"codebook_sizes", sizes},
      {"decode",
       {{"file", "codec_decode.onnx"},
        {"max_frames", c.post_module.block_size},
        {"window_frames", c.post_module.window_size},
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
    save_model(graph.model, path, kBundleSaveOptions);
    if (options.check) check_model_file(path);
  };
  CodecGraphOptions decode_options = options.graph;
  if (options.precision == CodecPrecision::kBf16) decode_options.bf16_terms = 1;
  if (options.precision == CodecPrecision::kBf16x3) decode_options.bf16_terms = 3;
  CodecGraph decode = build_codec_decode_graph(weights, decode_options);
  if (options.precision == CodecPrecision::kInt8) {
    CodecGraphOptions int8 = options.graph;
    int8.int8_convs = plan_int8_decode(decode, weights.config, options.int8);
    decode = build_codec_decode_graph(weights, int8);
  }
  write(decode, "codec_decode.onnx");
  CodecGraph encode = build_codec_encode_graph(weights, options.graph);
  write(encode, "codec_encode.onnx");

  const fs::path info = fs::path(out_dir) / "codec.json";
  const fs::path tmp = fs::path(out_dir) / "codec.json.tmp";
  {
    std::ofstream out(tmp);
    out << codec_bundle_info(weights.config, decode, encode, options.precision).dump(2) << "\n";
    if (!out.flush()) throw Error(ErrorCode::kIo, tmp.string() + ": write failed");
  }
  fs::rename(tmp, info);  // codec.json last: its presence means the codec graphs are complete
}

}  // namespace fishtts::convert
