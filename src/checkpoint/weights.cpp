#include "checkpoint/weights.h"

#include <filesystem>

#include "checkpoint/expected_tensors.h"
#include "checkpoint/normalize.h"
#include "checkpoint/safetensors.h"
#include "checkpoint/torch_archive.h"
#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TensorStore load_tensor_file(const std::string& path, const LoadOptions& options) {
  if (ends_with(path, ".safetensors")) return load_safetensors_file(path);
  if (ends_with(path, ".index.json")) return load_safetensors_index(path);
  return load_torch_file(path, options);
}

std::string find_weights_file(const std::string& dir, const std::string& stem) {
  namespace fs = std::filesystem;
  for (const std::string& name : {stem + ".pth", stem + ".safetensors", stem + ".safetensors.index.json"}) {
    if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  }
  throw Error(ErrorCode::kNotFound, dir + ": no " + stem + ".pth, " + stem + ".safetensors or " + stem + ".safetensors.index.json");
}

LlmWeights prepare_llm_weights(LlmConfig config, const TensorStore& raw) {
  LlmWeights w{std::move(config), normalize_llm_keys(raw), {}};
  w.report = validate_tensors(w.tensors, expected_llm_tensors(w.config));
  return w;
}

CodecWeights prepare_codec_weights(CodecConfig config, const TensorStore& raw) {
  CodecWeights w{std::move(config), normalize_codec_keys(raw), {}};
  // The encoder transformers' FFN size is not in the yaml: take it from the first w1 weight (3 * dim in S1).
  for (size_t i = 0; i < w.config.encoder_rates.size(); ++i) {
    if (w.config.encoder_transformer_layers[i] <= 0) continue;
    const Tensor* w1 = w.tensors.find("encoder.block." + std::to_string(i + 1) + ".block.5.layers.0.feed_forward.w1.weight");
    if (w1 != nullptr && w1->shape.size() == 2) w.config.encoder_transformer_ffn = w1->shape[0];
    break;
  }
  w.report = validate_tensors(w.tensors, expected_codec_tensors(w.config));
  return w;
}

LlmWeights load_llm_weights(const std::string& dir, const LoadOptions& options) {
  const std::string file = find_weights_file(dir, "model");
  TensorStore raw = load_tensor_file(file, options);
  LlmWeights w = prepare_llm_weights(LlmConfig::from_file((std::filesystem::path(dir) / "config.json").string()), raw);
  if (!w.report.ok()) throw Error(ErrorCode::kBadFormat, file + " does not match config.json: " + w.report.describe());
  return w;
}

CodecWeights load_codec_weights(const std::string& dir, const LoadOptions& options) {
  const std::string file = find_weights_file(dir, "codec");
  TensorStore raw = load_tensor_file(file, options);
  CodecWeights w = prepare_codec_weights(CodecConfig::for_checkpoint_dir(dir), raw);
  if (!w.report.ok()) {
    throw Error(ErrorCode::kBadFormat, file + " does not match the codec config (" +
                                           (w.config.from_file ? "codec_config.json" : "S1 defaults") + "): " + w.report.describe());
  }
  return w;
}

}  // namespace fishtts::checkpoint
