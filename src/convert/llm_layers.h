// Building blocks shared by the slow and fast transformer graphs (spec 2.3): linear layers at the requested
// weight precision, RMSNorm, and one pre-norm block with GQA attention over a KV cache.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "checkpoint/tensor_store.h"
#include "convert/graph_builder.h"
#include "hw/engine_settings.h"

namespace fishtts::convert {

struct WeightOptions {
  hw::Precision precision = hw::Precision::kFp32;
  int64_t block_size = 128;     // MatMulNBits block along K (int8 / int4)
  int64_t accuracy_level = 4;   // MatMulNBits compute type (4 = int8 activations)
  // int4-mixed only: the stacks' layer counts its recipe reads (convert_llm sets them from the config).
  int64_t slow_layers = 0;
  int64_t fast_layers = 0;
};

// x [.., K] -> x W^T [.., N] for a PyTorch Linear weight [N, K]: MatMul on W^T in fp32, MatMulNBits otherwise.
std::string linear(GraphBuilder& g, const std::string& x, std::string_view name, std::span<const float> weight,
                   int64_t n, int64_t k, const WeightOptions& options);

// An fp32 initializer from a checkpoint tensor (any stored dtype), with its shape.
std::string float_initializer(GraphBuilder& g, const checkpoint::Tensor& t, std::string_view name);

// The static description of one transformer stack (slow or fast).
struct StackShape {
  int64_t dim = 0;
  int64_t n_head = 0;
  int64_t n_kv_head = 0;
  int64_t head_dim = 0;
  int64_t ffn = 0;
  bool qk_norm = false;
  float norm_eps = 1e-6f;
  int64_t attention_head_dim = 0;  // head_dim padded for the attention kernel; 0 = head_dim
  int64_t padded_head_dim() const { return attention_head_dim > 0 ? attention_head_dim : head_dim; }
};

// The head size the attention kernel runs at: ORT's GroupQueryAttention takes only multiples of 16, so other
// head sizes are zero-padded to the next one (exact: zero query/key dims add nothing to q.k, zero value dims give
// zero outputs that are sliced off, RoPE leaves the padded pairs at zero). The KV cache holds padded heads.
int64_t attention_head_dim(int64_t head_dim, int64_t multiple = 16);

// Per-call graph values the attention needs.
struct AttentionInputs {
  std::string seqlens_k;              // int32 [1]: total length - 1
  std::string total_sequence_length;  // int32 scalar
  std::string cos_cache;              // [positions, attention_head_dim / 2]
  std::string sin_cache;
};

// One block: h = x + Attn(RMSNorm(x)); out = h + W2(SiLU(W1 n) * W3 n), n = RMSNorm(h).
// The KV cache is the graph input `past_key`/`past_value` [1, Hkv, capacity, D], shared in place with the
// present outputs (GQA's past-present share buffer). `prefix` is the weight-key prefix ("layers.3.").
struct BlockKv {
  std::string present_key;
  std::string present_value;
};
std::string transformer_block(GraphBuilder& g, const std::string& x, const checkpoint::TensorStore& w,
                              const std::string& prefix, const StackShape& shape, const AttentionInputs& attn,
                              const std::string& past_key, const std::string& past_value, const WeightOptions& options,
                              BlockKv& kv);

// The graph inputs seqlens_k (int32 [1]) and total_sequence_length (int32 scalar), and RoPE caches for
// `positions` positions (bf16-rounded as upstream, rope_tables.h).
AttentionInputs add_attention_inputs(GraphBuilder& g, int64_t positions, int64_t head_dim, int64_t padded_head_dim,
                                     double rope_base);

// `n_layer` blocks reading weights "<prefix><i>." (prefix "layers." or "fast_layers."), each with the graph inputs
// past_key.<i> / past_value.<i> [1, Hkv, "capacity", D]; `kv` receives the present values. Returns the stream.
std::string transformer_stack(GraphBuilder& g, std::string x, const checkpoint::TensorStore& w, const std::string& prefix,
                              int64_t n_layer, const StackShape& shape, const AttentionInputs& attn,
                              const WeightOptions& options, std::vector<BlockKv>& kv);
// Declares the present_key.<i> / present_value.<i> outputs (the same buffers as the past inputs at run time).
void add_present_outputs(GraphBuilder& g, const std::vector<BlockKv>& kv, const StackShape& shape);

// x[:, -1, :] as [1, dim]: only the last position feeds the head.
std::string last_position(GraphBuilder& g, const std::string& x, int64_t dim);

}  // namespace fishtts::convert
