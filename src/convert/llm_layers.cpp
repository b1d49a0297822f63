#include "convert/llm_layers.h"

#include <cmath>
#include <limits>
#include <vector>

#include "common/error.h"
#include "convert/mixed_precision.h"
#include "convert/quantize.h"
#include "convert/rope_tables.h"

namespace fishtts::convert {
namespace {

std::vector<float> transpose(std::span<const float> w, int64_t n, int64_t k) {
  std::vector<float> t(static_cast<std::size_t>(n * k));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < k; ++c) t[static_cast<std::size_t>(c * n + r)] = w[static_cast<std::size_t>(r * k + c)];
  }
  return t;
}

std::vector<float> tensor_floats(const checkpoint::Tensor& t) {
  std::span<const float> view = t.float_view();
  if (!view.empty()) return {view.begin(), view.end()};
  return t.to_float();
}

}  // namespace

std::string linear(GraphBuilder& g, const std::string& x, std::string_view name, std::span<const float> weight,
                   int64_t n, int64_t k, const WeightOptions& options) {
  if (static_cast<int64_t>(weight.size()) != n * k) {
    throw Error(ErrorCode::kInternal, std::string(name) + ": weight has " + std::to_string(weight.size()) +
                                          " values, expected " + std::to_string(n) + "x" + std::to_string(k));
  }
  if (options.precision == hw::Precision::kFp32) {
    std::vector<float> wt = transpose(weight, n, k);
    return g.matmul(x, g.add_initializer(name, std::span<const float>(wt), {k, n}));
  }
  BlockQuantConfig config;
  config.bits = options.precision == hw::Precision::kInt4Mixed
                    ? int4_mixed_bits(name, options.slow_layers, options.fast_layers)
                    : options.precision == hw::Precision::kInt4 ? 4 : 8;
  config.block_size = options.block_size;
  BlockQuantized q = quantize_blockwise(weight, n, k, config);
  return add_matmul_nbits(g, x, name, q, options.accuracy_level);
}

std::string float_initializer(GraphBuilder& g, const checkpoint::Tensor& t, std::string_view name) {
  std::vector<float> values = tensor_floats(t);
  return g.add_initializer(name, std::span<const float>(values), t.shape);
}

// Op choices, by measurement (S1-mini, 2 threads, bench-llm / bench-matmul):
// - Linear layers: MatMulNBits at accuracy_level 4 for int8/int4 (int4 block 128: 5x less time than fp32 MatMul
//   per layer; accuracy_level 1 is 3x slower than 4), plain MatMul on W^T for fp32.
// - Attention: com.microsoft.GroupQueryAttention with past and present bound to one buffer: a step appends in
//   place, so its cost does not grow with the allocated capacity (slow step at context 200: 19.1 / 20.7 / 19.0 ms
//   for capacities 300 / 1200 / 4000) and never copies the cache; it also applies the interleaved RoPE
//   (do_rotary) after our per-head q/k RMSNorm, as upstream orders them.
// - RMSNorm: standard ops in the pattern ORT fuses into SimplifiedLayerNormalization, which keeps the files
//   checker-clean (the fused op itself is unknown to the stock ONNX checker).
std::string transformer_block(GraphBuilder& g, const std::string& x, const checkpoint::TensorStore& w,
                              const std::string& prefix, const StackShape& s, const AttentionInputs& attn,
                              const std::string& past_key, const std::string& past_value, const WeightOptions& options,
                              BlockKv& kv) {
  auto weight = [&](const std::string& key) { return tensor_floats(w.get(prefix + key)); };
  auto norm_weight = [&](const std::string& key) { return float_initializer(g, w.get(prefix + key), prefix + key); };
  const int64_t q_rows = s.n_head * s.head_dim;
  const int64_t kv_rows = s.n_kv_head * s.head_dim;

  // Attention.
  std::string n = g.rms_norm(x, norm_weight("attention_norm.weight"), s.norm_eps);
  std::vector<float> wqkv = weight("attention.wqkv.weight");
  std::string qkv = linear(g, n, prefix + "attention.wqkv", wqkv, q_rows + 2 * kv_rows, s.dim, options);
  std::string q = g.slice(qkv, {0}, {q_rows}, {-1});
  std::string k = g.slice(qkv, {q_rows}, {q_rows + kv_rows}, {-1});
  std::string v = g.slice(qkv, {q_rows + kv_rows}, {q_rows + 2 * kv_rows}, {-1});
  if (s.qk_norm) {
    // Per-head RMSNorm over head_dim, before RoPE (which GQA applies).
    auto per_head = [&](const std::string& t, int64_t heads, const std::string& key) {
      std::string split = g.reshape(t, std::vector<int64_t>{0, 0, heads, s.head_dim});
      return g.reshape(g.rms_norm(split, norm_weight(key), s.norm_eps), std::vector<int64_t>{0, 0, heads * s.head_dim});
    };
    q = per_head(q, s.n_head, "attention.q_norm.weight");
    k = per_head(k, s.n_kv_head, "attention.k_norm.weight");
  }
  const int64_t padded = s.padded_head_dim();
  auto pad_heads = [&](const std::string& t, int64_t heads) {
    if (padded == s.head_dim) return t;
    const std::string split = g.reshape(t, std::vector<int64_t>{0, 0, heads, s.head_dim});
    const std::string wide = g.op("Pad", {split, g.const_i64({0, 0, 0, 0, 0, 0, 0, padded - s.head_dim})});
    return g.reshape(wide, std::vector<int64_t>{0, 0, heads * padded});
  };
  GqaInputs gi;
  gi.query = pad_heads(q, s.n_head);
  gi.key = pad_heads(k, s.n_kv_head);
  gi.value = pad_heads(v, s.n_kv_head);
  gi.past_key = past_key;
  gi.past_value = past_value;
  gi.seqlens_k = attn.seqlens_k;
  gi.total_sequence_length = attn.total_sequence_length;
  gi.cos_cache = attn.cos_cache;
  gi.sin_cache = attn.sin_cache;
  GqaParams gp;
  gp.num_heads = s.n_head;
  gp.kv_num_heads = s.n_kv_head;
  gp.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.head_dim)));
  gp.do_rotary = 1;
  gp.rotary_interleaved = 1;  // adjacent pairs (2j, 2j+1), spec 2.4
  GqaOutputs go = g.group_query_attention(gi, gp);
  kv.present_key = go.present_key;
  kv.present_value = go.present_value;
  if (padded != s.head_dim) {  // the padded value dims are zero: drop them before the output projection
    const std::string split = g.reshape(go.output, std::vector<int64_t>{0, 0, s.n_head, padded});
    go.output = g.reshape(g.slice(split, {0}, {s.head_dim}, {-1}), std::vector<int64_t>{0, 0, q_rows});
  }
  std::vector<float> wo = weight("attention.wo.weight");
  std::string h = g.add(x, linear(g, go.output, prefix + "attention.wo", wo, s.dim, q_rows, options));

  // SwiGLU feed-forward; w1 and w3 share one matmul (their rows stacked) to halve the kernel calls.
  std::string n2 = g.rms_norm(h, norm_weight("ffn_norm.weight"), s.norm_eps);
  std::vector<float> w13 = weight("feed_forward.w1.weight");
  std::vector<float> w3 = weight("feed_forward.w3.weight");
  w13.insert(w13.end(), w3.begin(), w3.end());
  std::string gate_up = linear(g, n2, prefix + "feed_forward.w13", w13, 2 * s.ffn, s.dim, options);
  std::string gate = g.slice(gate_up, {0}, {s.ffn}, {-1});
  std::string up = g.slice(gate_up, {s.ffn}, {2 * s.ffn}, {-1});
  std::string act = g.mul(g.mul(gate, g.sigmoid(gate)), up);
  std::vector<float> w2 = weight("feed_forward.w2.weight");
  return g.add(h, linear(g, act, prefix + "feed_forward.w2", w2, s.dim, s.ffn, options));
}

int64_t attention_head_dim(int64_t head_dim, int64_t multiple) { return (head_dim + multiple - 1) / multiple * multiple; }

AttentionInputs add_attention_inputs(GraphBuilder& g, int64_t positions, int64_t head_dim, int64_t padded_head_dim,
                                     double rope_base) {
  AttentionInputs attn;
  attn.seqlens_k = g.add_input("seqlens_k", ElemType::kInt32, {1});
  attn.total_sequence_length = g.add_input("total_sequence_length", ElemType::kInt32, {});
  RopeTables rope = make_rope_tables(positions, head_dim, rope_base);
  // Padded heads (attention_head_dim) rotate their zero pairs by angle 0: cos 1, sin 0.
  const int64_t half = padded_head_dim / 2;
  std::vector<float> cos(static_cast<std::size_t>(positions * half), 1.0f), sin(cos.size(), 0.0f);
  for (int64_t p = 0; p < positions; ++p) {
    for (int64_t j = 0; j < rope.half_dim; ++j) {
      cos[static_cast<std::size_t>(p * half + j)] = rope.cos[static_cast<std::size_t>(p * rope.half_dim + j)];
      sin[static_cast<std::size_t>(p * half + j)] = rope.sin[static_cast<std::size_t>(p * rope.half_dim + j)];
    }
  }
  attn.cos_cache = g.add_initializer("rope.cos", std::span<const float>(cos), {positions, half});
  attn.sin_cache = g.add_initializer("rope.sin", std::span<const float>(sin), {positions, half});
  return attn;
}

std::string transformer_stack(GraphBuilder& g, std::string x, const checkpoint::TensorStore& w, const std::string& prefix,
                              int64_t n_layer, const StackShape& s, const AttentionInputs& attn,
                              const WeightOptions& options, std::vector<BlockKv>& kv) {
  kv.assign(static_cast<std::size_t>(n_layer), {});
  for (int64_t i = 0; i < n_layer; ++i) {
    const std::string idx = std::to_string(i);
    const Shape cache = {1, s.n_kv_head, "capacity", s.padded_head_dim()};
    std::string pk = g.add_input("past_key." + idx, ElemType::kFloat, cache);
    std::string pv = g.add_input("past_value." + idx, ElemType::kFloat, cache);
    auto scope = g.scope(prefix + idx);
    x = transformer_block(g, x, w, prefix + idx + ".", s, attn, pk, pv, options, kv[static_cast<std::size_t>(i)]);
  }
  return x;
}

void add_present_outputs(GraphBuilder& g, const std::vector<BlockKv>& kv, const StackShape& s) {
  const Shape cache = {1, s.n_kv_head, "capacity", s.padded_head_dim()};
  for (std::size_t i = 0; i < kv.size(); ++i) {
    g.add_output(kv[i].present_key, ElemType::kFloat, cache, "present_key." + std::to_string(i));
    g.add_output(kv[i].present_value, ElemType::kFloat, cache, "present_value." + std::to_string(i));
  }
}

std::string last_position(GraphBuilder& g, const std::string& x, int64_t dim) {
  return g.reshape(g.slice(x, {-1}, {std::numeric_limits<int64_t>::max()}, {1}), std::vector<int64_t>{1, dim});
}

}  // namespace fishtts::convert
