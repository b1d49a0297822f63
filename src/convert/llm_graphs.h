// The DualAR transformer as two ONNX graphs with explicit KV caches (spec 2, 2.8).
//
// slow.onnx   one call serves both prefill (S = prompt length) and decode (S = 1):
//   in   tokens int64 [1, S]; codes int64 [1, C, S] (raw codes, 0 on text positions);
//        seqlens_k int32 [1] = position of the last token; total_sequence_length int32 scalar = positions so far;
//        past_key.i / past_value.i float [1, Hkv, capacity, D] for each layer i
//   out  logits [1, V'] and hidden [1, dim] of the last position (hidden = pre-norm residual stream);
//        present_key.i / present_value.i: the same buffers, updated in place (bind them to the past inputs)
// fast.onnx   one frame's fast pass, a call per step:
//   in   hidden float [1, H, dim] (H = 1 on the first call of a frame: the slow hidden state, else H = 0);
//        codes int64 [1, N] (codes whose fast embeddings follow); seqlens_k, total_sequence_length, past/present
//        as above with capacity = num_codebooks
//   out  logits [1, F'] of the last position
//
// The embedding sum (token + the ten codebook rows, /sqrt(C+1) at semantic positions) happens in the slow graph.
#pragma once

#include <cstdint>

#include <onnx/onnx_pb.h>

#include "checkpoint/weights.h"
#include "convert/llm_layers.h"
#include "convert/sample_space.h"

namespace fishtts::convert {

// Token ids the graphs need, looked up from the tokenizer.
struct TokenLayout {
  int32_t semantic_begin_id = 0;
  int32_t semantic_count = 0;
  int32_t im_end_id = 0;
  int64_t residual_codebook_size = 0;  // entries of codebooks 1.. (the codec's codebook_size)
};

struct LlmGraphOptions {
  WeightOptions weights;
  SampleSpace sample_space = SampleSpace::kSemantic;
  // Heads are padded to a multiple of this for the attention kernel (attention_head_dim, llm_layers.h); 16 is
  // what ORT's GroupQueryAttention needs, and larger values exist for the test that padding is exact.
  int64_t attention_head_multiple = 16;
};

// Rows of the slow head / fast head for these options.
int64_t slow_head_rows(const checkpoint::LlmConfig& config, const TokenLayout& tokens, SampleSpace space);
int64_t fast_head_rows(const checkpoint::LlmConfig& config, const TokenLayout& tokens, SampleSpace space);

onnx::ModelProto build_slow_graph(const checkpoint::LlmWeights& weights, const TokenLayout& tokens,
                                  const LlmGraphOptions& options);
onnx::ModelProto build_fast_graph(const checkpoint::LlmWeights& weights, const TokenLayout& tokens,
                                  const LlmGraphOptions& options);

}  // namespace fishtts::convert
