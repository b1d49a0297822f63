// `fishtts dev make-checkpoint`: a random-weight checkpoint folder in the official layout (config.json,
// bf16 model.pth, fp32 codec.pth with both weight-norm key styles and the six RoPE/mask buffers,
// tokenizer.tiktoken, special_tokens.json, and codec_config.json unless the preset is S1's own codec).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/head_entropy.h"
#include "checkpoint/pickle_writer.h"
#include "checkpoint/presets.h"

namespace fishtts::checkpoint {

// Upstream key names and dtypes of the two state dicts, in write order.
std::vector<TensorSpec> llm_checkpoint_specs(const LlmConfig& config);
std::vector<TensorSpec> codec_checkpoint_specs(const CodecConfig& config);

// Values: deterministic in (seed, tensor index). Linear/embedding/conv directions ~ N(0, 0.02^2) (an
// Irwin-Hall(4) approximation: fast, bounded by 3.5 sigma); norms, Snake alpha and weight-norm gains 1
// (folded conv rows have unit norm, so activations keep their scale); layer-scale gammas 0.1; biases 0;
// RoPE tables as upstream computes them (bf16); causal masks lower-triangular.
struct MakeCheckpointOptions {
  // Scale the output heads to a trained model's logit entropy (checkpoint/head_entropy.h). Same random stream,
  // so only the head tensors differ from the default checkpoint of the same seed.
  bool trained_entropy = false;
};
// Returns the heads it scaled (none by default).
std::vector<HeadScale> make_checkpoint(const Preset& preset, uint64_t seed, const std::string& out_dir,
                                       const MakeCheckpointOptions& options = {});

}  // namespace fishtts::checkpoint
