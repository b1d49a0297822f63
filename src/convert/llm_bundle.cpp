#include "convert/llm_bundle.h"

#include <filesystem>
#include <fstream>

#include "checkpoint/codec_config.h"
#include "common/error.h"
#include "convert/llm_layers.h"
#include "convert/model_file.h"
#include "text/tokenizer.h"

namespace fishtts::convert {

nlohmann::json llm_bundle_info(const checkpoint::LlmConfig& c, const TokenLayout& t, const LlmConvertOptions& o) {
  return {
      {"converter_version", kLlmConverterVersion},
      {"precision", hw::precision_name(o.graph.weights.precision)},
      {"block_size", o.graph.weights.block_size},
      {"accuracy_level", o.graph.weights.accuracy_level},
      {"sample_space", sample_space_name(o.graph.sample_space)},
      {"slow",
       {{"n_layer", c.n_layer}, {"n_head", c.n_head}, {"n_kv_head", c.n_local_heads}, {"head_dim", c.head_dim},
        {"kv_head_dim", attention_head_dim(c.head_dim, o.graph.attention_head_multiple)}, {"dim", c.dim}, {"ffn", c.intermediate_size}, {"head_rows", slow_head_rows(c, t, o.graph.sample_space)}}},
      {"fast",
       {{"n_layer", c.n_fast_layer}, {"n_head", c.fast_n_head}, {"n_kv_head", c.fast_n_local_heads},
        {"head_dim", c.fast_head_dim}, {"kv_head_dim", attention_head_dim(c.fast_head_dim, o.graph.attention_head_multiple)}, {"dim", c.fast_dim}, {"ffn", c.fast_intermediate_size},
        {"head_rows", fast_head_rows(c, t, o.graph.sample_space)}}},
      {"num_codebooks", c.num_codebooks},
      {"max_seq_len", c.max_seq_len},
      {"vocab_size", c.vocab_size},
      {"tokens",
       {{"semantic_begin_id", t.semantic_begin_id}, {"semantic_count", t.semantic_count}, {"im_end_id", t.im_end_id},
        {"residual_codebook_size", t.residual_codebook_size}}},
  };
}

void convert_llm(const std::string& checkpoint_dir, const std::string& out_dir, const LlmConvertOptions& options) {
  namespace fs = std::filesystem;
  checkpoint::LlmWeights weights = checkpoint::load_llm_weights(checkpoint_dir);
  text::Tokenizer tokenizer = text::Tokenizer::from_model_dir(checkpoint_dir);
  checkpoint::CodecConfig codec = checkpoint::CodecConfig::for_checkpoint_dir(checkpoint_dir);
  TokenLayout tokens{tokenizer.semantic_begin_id(), tokenizer.semantic_count(), tokenizer.im_end_id(),
                     codec.codebook_size};
  if (tokens.semantic_count != weights.config.codebook_size) {
    throw Error(ErrorCode::kBadFormat, "the tokenizer has " + std::to_string(tokens.semantic_count) +
                                           " semantic tokens but config.json says codebook_size " +
                                           std::to_string(weights.config.codebook_size));
  }

  fs::create_directories(out_dir);
  auto write = [&](onnx::ModelProto model, const std::string& name) {
    const std::string path = (fs::path(out_dir) / name).string();
    save_model(model, path, kBundleSaveOptions);
    if (options.check) check_model_file(path);
  };
  LlmGraphOptions graph = options.graph;
  graph.weights.slow_layers = weights.config.n_layer;
  graph.weights.fast_layers = weights.config.n_fast_layer;
  write(build_slow_graph(weights, tokens, graph), "slow.onnx");
  write(build_fast_graph(weights, tokens, graph), "fast.onnx");

  // The bundle carries what a request needs besides the graphs: the tokenizer and the configs.
  for (const char* name : {"tokenizer.tiktoken", "special_tokens.json", "config.json", "codec_config.json"}) {
    const fs::path from = fs::path(checkpoint_dir) / name;
    if (fs::exists(from)) fs::copy_file(from, fs::path(out_dir) / name, fs::copy_options::overwrite_existing);
  }

  const fs::path info = fs::path(out_dir) / "llm.json";
  std::ofstream out(info);
  out << llm_bundle_info(weights.config, tokens, options).dump(2) << "\n";
  if (!out.flush()) throw Error(ErrorCode::kIo, info.string() + ": write failed");
}

}  // namespace fishtts::convert
