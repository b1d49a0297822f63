// The tensor list a model of a given config must have (names after normalisation, shapes, owning block):
// LLM per spec 1.4, codec per spec 1.5 / 5.0. Every dimension comes from the configs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/codec_config.h"
#include "checkpoint/llm_config.h"

namespace fishtts::checkpoint {

struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::string block;  // e.g. "slow_layers", "codec.decoder"
  // Stored as weight-norm g [dim0, 1, ...] + v (folded into this weight on load). Parameter counts follow
  // upstream's state dict and count g too (spec 9.1: codec 391,430,530).
  bool weight_norm = false;
  int64_t stored_params() const;
};

struct ExpectedSet {
  std::vector<ExpectedTensor> params;
  // Persistent buffers that may be present (codec RoPE tables / masks); neither missing nor extra.
  std::vector<ExpectedTensor> optional_buffers;
  int64_t param_count() const;  // as stored upstream (g and v both counted)
  const ExpectedTensor* find(const std::string& name) const;
};

ExpectedSet expected_llm_tensors(const LlmConfig& config);
ExpectedSet expected_codec_tensors(const CodecConfig& config);

// Blocks in report order.
std::vector<std::string> llm_blocks();
std::vector<std::string> codec_blocks();

}  // namespace fishtts::checkpoint
