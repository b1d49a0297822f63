// Converting a checkpoint's DualAR model into the graphs the engine runs, plus llm.json describing them:
//   <out>/slow.onnx (+ slow.onnx.data when large), <out>/fast.onnx, <out>/llm.json, and copies of the
//   tokenizer files and configs (tokenizer.tiktoken, special_tokens.json, config.json, codec_config.json)
// llm.json holds every number the runtime needs (KV shapes, token ids, head sizes), so loading never touches
// the checkpoint again.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "convert/llm_graphs.h"

namespace fishtts::convert {

inline constexpr int kLlmConverterVersion = 2;  // 2: initializers in slow.onnx.data / fast.onnx.data

struct LlmConvertOptions {
  LlmGraphOptions graph;
  bool check = true;  // run the ONNX checker on the written files
};

// The content of llm.json.
nlohmann::json llm_bundle_info(const checkpoint::LlmConfig& config, const TokenLayout& tokens,
                               const LlmConvertOptions& options);

// Reads the checkpoint folder (config.json, model.pth, the tokenizer, codec_config.json when present) and writes
// the graphs into out_dir (created if needed). Throws fishtts::Error naming what is wrong with the checkpoint.
void convert_llm(const std::string& checkpoint_dir, const std::string& out_dir, const LlmConvertOptions& options);

}  // namespace fishtts::convert
