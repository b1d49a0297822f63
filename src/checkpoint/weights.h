// Whole-folder loaders: config + weights, normalised (spec key names, weight norm folded) and validated.
#pragma once

#include <string>

#include "checkpoint/codec_config.h"
#include "checkpoint/llm_config.h"
#include "checkpoint/load_options.h"
#include "checkpoint/tensor_store.h"
#include "checkpoint/validate.h"

namespace fishtts::checkpoint {

// Any tensor file by extension: .pth/.pt/.ckpt (torch zip), .safetensors, .index.json (sharded safetensors).
TensorStore load_tensor_file(const std::string& path, const LoadOptions& options = {});

// `dir/<stem>.pth`, else `<stem>.safetensors`, else `<stem>.safetensors.index.json`.
std::string find_weights_file(const std::string& dir, const std::string& stem);

struct LlmWeights {
  LlmConfig config;
  TensorStore tensors;       // normalised
  ValidationReport report;   // extras listed here; missing / mismatched make load_llm_weights throw
};

struct CodecWeights {
  CodecConfig config;        // encoder_transformer_ffn resolved from the weights
  TensorStore tensors;       // normalised, weight norm folded, RoPE tables kept, masks dropped
  ValidationReport report;
};

// Throw Error(kBadFormat) naming the first missing keys / wrong shapes (expected vs actual).
LlmWeights load_llm_weights(const std::string& dir, const LoadOptions& options = {});
CodecWeights load_codec_weights(const std::string& dir, const LoadOptions& options = {});

// The same steps on already-loaded raw stores, without throwing on validation (for inspect).
LlmWeights prepare_llm_weights(LlmConfig config, const TensorStore& raw);
CodecWeights prepare_codec_weights(CodecConfig config, const TensorStore& raw);

}  // namespace fishtts::checkpoint
