#include <cmath>
#include <limits>

#include "common/error.h"
#include "convert/llm_graphs.h"

namespace fishtts::convert {

int64_t slow_head_rows(const checkpoint::LlmConfig& config, const TokenLayout& tokens, SampleSpace space) {
  return space == SampleSpace::kFull ? config.vocab_size : tokens.semantic_count + 1;
}

namespace {

// The head's rows: all of output.weight, or the semantic rows followed by <|im_end|>'s.
std::vector<float> head_rows(const checkpoint::Tensor& output, const checkpoint::LlmConfig& c, const TokenLayout& t,
                             SampleSpace space) {
  std::vector<float> all = output.to_float();
  if (space == SampleSpace::kFull) return all;
  if (t.semantic_begin_id + t.semantic_count > c.vocab_size || t.im_end_id >= c.vocab_size) {
    throw Error(ErrorCode::kBadFormat, "tokenizer ids (semantic up to " +
                                           std::to_string(t.semantic_begin_id + t.semantic_count - 1) +
                                           ") do not fit the model's vocab_size " + std::to_string(c.vocab_size));
  }
  const auto dim = static_cast<std::size_t>(c.dim);
  std::vector<float> rows;
  rows.reserve((static_cast<std::size_t>(t.semantic_count) + 1) * dim);
  auto take = [&](int64_t row) {
    rows.insert(rows.end(), all.begin() + static_cast<std::ptrdiff_t>(row * c.dim),
                all.begin() + static_cast<std::ptrdiff_t>((row + 1) * c.dim));
  };
  for (int32_t i = 0; i < t.semantic_count; ++i) take(t.semantic_begin_id + i);
  take(t.im_end_id);
  return rows;
}

// Spec 2.2: token embedding plus the ten codebook rows (summed in codebook order) at semantic positions, the
// sum divided by sqrt(C + 1) there when scale_codebook_embeddings is set.
std::string input_embedding(GraphBuilder& g, const checkpoint::LlmWeights& w, const TokenLayout& t,
                            const std::string& tokens, const std::string& codes) {
  auto scope = g.scope("embed");
  const checkpoint::LlmConfig& c = w.config;
  std::string e = g.gather(float_initializer(g, w.tensors.get("embeddings.weight"), "embeddings.weight"), tokens);

  std::vector<int64_t> offsets;
  for (int64_t i = 0; i < c.num_codebooks; ++i) offsets.push_back(i * c.codebook_size);
  std::string shifted = g.add(codes, g.const_i64(offsets, {1, c.num_codebooks, 1}));
  std::string rows =
      g.gather(float_initializer(g, w.tensors.get("codebook_embeddings.weight"), "codebook_embeddings.weight"), shifted);
  // rows [1, C, S, dim]: add codebook by codebook so the fp32 sum has upstream's order.
  std::string v;
  for (int64_t i = 0; i < c.num_codebooks; ++i) {
    std::string row = g.squeeze(g.slice(rows, {i}, {i + 1}, {1}), {1});
    v = v.empty() ? row : g.add(v, row);
  }

  std::string ge = g.op("GreaterOrEqual", {tokens, g.const_i64({t.semantic_begin_id}, {})});
  std::string le = g.op("LessOrEqual", {tokens, g.const_i64({t.semantic_begin_id + t.semantic_count - 1}, {})});
  std::string is_sem = g.unsqueeze(g.op("And", {ge, le}), {-1});  // [1, S, 1]
  std::string zero = g.const_f32(0.0f);
  std::string x = g.add(e, g.where(is_sem, v, zero));
  if (c.scale_codebook_embeddings) {
    const float divisor = static_cast<float>(std::sqrt(static_cast<double>(c.num_codebooks + 1)));
    x = g.where(is_sem, g.div(x, g.const_f32(divisor)), x);
  }
  return x;
}

}  // namespace

onnx::ModelProto build_slow_graph(const checkpoint::LlmWeights& w, const TokenLayout& t, const LlmGraphOptions& options) {
  const checkpoint::LlmConfig& c = w.config;
  GraphBuilder g("fishtts_slow");
  const std::string tokens = g.add_input("tokens", ElemType::kInt64, {1, "seq"});
  const std::string codes = g.add_input("codes", ElemType::kInt64, {1, c.num_codebooks, "seq"});
  const int64_t padded = attention_head_dim(c.head_dim, options.attention_head_multiple);
  const AttentionInputs attn = add_attention_inputs(g, c.max_seq_len, c.head_dim, padded, c.rope_base);
  const StackShape s{c.dim, c.n_head, c.n_local_heads, c.head_dim, c.intermediate_size, c.attention_qk_norm,
                     static_cast<float>(c.norm_eps), padded};
  std::vector<BlockKv> kv;
  std::string x = transformer_stack(g, input_embedding(g, w, t, tokens, codes), w.tensors, "layers.", c.n_layer, s, attn,
                                    options.weights, kv);

  // Only the last position matters: slice before the final norm and the (large) head.
  std::string last = last_position(g, x, c.dim);
  g.add_output(last, ElemType::kFloat, {1, c.dim}, "hidden");
  std::string normed = g.rms_norm(last, float_initializer(g, w.tensors.get("norm.weight"), "norm.weight"),
                                  static_cast<float>(c.norm_eps));
  const int64_t rows = slow_head_rows(c, t, options.sample_space);
  // Tied checkpoints reuse the input embedding as the head.
  const checkpoint::Tensor& out = w.tensors.get(c.tie_word_embeddings ? "embeddings.weight" : "output.weight");
  std::vector<float> head = head_rows(out, c, t, options.sample_space);
  g.add_output(linear(g, normed, "output", head, rows, c.dim, options.weights), ElemType::kFloat, {1, rows}, "logits");

  add_present_outputs(g, kv, s);
  return std::move(g).build();
}

}  // namespace fishtts::convert
