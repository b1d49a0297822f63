#include <limits>

#include "common/error.h"
#include "convert/llm_graphs.h"

namespace fishtts::convert {

int64_t fast_head_rows(const checkpoint::LlmConfig& config, const TokenLayout& tokens, SampleSpace space) {
  // S1 samples residual codes from the first residual_codebook_size fast logits only (spec 2.6).
  return space == SampleSpace::kFull ? config.codebook_size : tokens.residual_codebook_size;
}

onnx::ModelProto build_fast_graph(const checkpoint::LlmWeights& w, const TokenLayout& t, const LlmGraphOptions& options) {
  const checkpoint::LlmConfig& c = w.config;
  if (c.fast_dim != c.dim) {
    // Upstream projects the slow hidden state with fast_project_in only when the widths differ; no S1-family
    // checkpoint we know of does.
    throw Error(ErrorCode::kUnsupported, "fast_dim " + std::to_string(c.fast_dim) + " differs from dim " +
                                             std::to_string(c.dim) + ": fast_project_in is not supported yet");
  }
  if (t.residual_codebook_size <= 0 || t.residual_codebook_size > c.codebook_size) {
    throw Error(ErrorCode::kBadFormat, "residual codebook size " + std::to_string(t.residual_codebook_size) +
                                           " does not fit the fast head's " + std::to_string(c.codebook_size) + " rows");
  }
  GraphBuilder g("fishtts_fast");
  const std::string hidden = g.add_input("hidden", ElemType::kFloat, {1, "h", c.dim});
  const std::string codes = g.add_input("codes", ElemType::kInt64, {1, "n"});
  // Fast positions are 0..num_codebooks-1 within a frame.
  const int64_t padded = attention_head_dim(c.fast_head_dim, options.attention_head_multiple);
  const AttentionInputs attn = add_attention_inputs(g, c.num_codebooks, c.fast_head_dim, padded, c.rope_base);

  std::string emb = g.gather(float_initializer(g, w.tensors.get("fast_embeddings.weight"), "fast_embeddings.weight"), codes);
  std::string x = g.concat({hidden, emb}, 1);

  const StackShape s{c.fast_dim, c.fast_n_head, c.fast_n_local_heads, c.fast_head_dim, c.fast_intermediate_size,
                     c.fast_attention_qk_norm, static_cast<float>(c.norm_eps), padded};
  std::vector<BlockKv> kv;
  x = transformer_stack(g, x, w.tensors, "fast_layers.", c.n_fast_layer, s, attn, options.weights, kv);

  std::string last = last_position(g, x, c.fast_dim);
  std::string normed = g.rms_norm(last, float_initializer(g, w.tensors.get("fast_norm.weight"), "fast_norm.weight"),
                                  static_cast<float>(c.norm_eps));
  const int64_t rows = fast_head_rows(c, t, options.sample_space);
  std::vector<float> head = w.tensors.get("fast_output.weight").to_float();
  head.resize(static_cast<std::size_t>(rows * c.fast_dim));  // the first `rows` rows
  g.add_output(linear(g, normed, "fast_output", head, rows, c.fast_dim, options.weights), ElemType::kFloat, {1, rows},
               "logits");
  add_present_outputs(g, kv, s);
  return std::move(g).build();
}

}  // namespace fishtts::convert
