#include "convert/codec_layers.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "convert/llm_layers.h"
#include "ort/conv1d_bf16_op.h"
#include "ort/custom_ops.h"
#include "ort/snake_op.h"

namespace fishtts::convert {
namespace {

constexpr int64_t kToEnd = std::numeric_limits<int64_t>::max();

std::vector<float> floats(const checkpoint::Tensor& t) {
  std::span<const float> view = t.float_view();
  if (!view.empty()) return {view.begin(), view.end()};
  return t.to_float();
}

// Declares a zero-initialised state input and returns its name; `output_value` is wired later by finish_state.
std::string state_input(CodecGraphContext& ctx, const std::string& key, std::vector<int64_t> shape) {
  CodecState s;
  s.input = "state/" + key;
  s.output = "state_out/" + key;
  s.shape = std::move(shape);
  Shape dims(s.shape.begin(), s.shape.end());
  ctx.g.add_input(s.input, ElemType::kFloat, dims);
  ctx.states.push_back(std::move(s));
  return ctx.states.back().input;
}

void state_output(CodecGraphContext& ctx, const std::string& value) {
  const CodecState& s = ctx.states.back();
  ctx.g.add_output(value, ElemType::kFloat, Shape(s.shape.begin(), s.shape.end()), s.output);
}

// Keeps the last `length` steps of `xs` along `axis` as the next state of the state registered last.
void keep_tail(CodecGraphContext& ctx, const std::string& xs, int64_t length, int64_t axis) {
  state_output(ctx, ctx.g.slice(xs, {-length}, {kToEnd}, {axis}));
}

// The time axis of conv-stack tensors: last ([1, C, L], [1, C, 1, L]) or 1 (channels last, [1, L, C]).
int64_t time_axis(const CodecGraphContext& ctx) { return ctx.channels_last ? 1 : -1; }

// [a, b, k] conv weights become [a, b, 1, k] in the 4-D layout; per-channel vectors [1, C, 1] become [1, C, 1, 1].
std::string layout_weight(CodecGraphContext& ctx, const std::string& key, std::vector<int64_t> dims) {
  const checkpoint::Tensor& t = ctx.weights.get(key);
  std::vector<float> values = floats(t);
  if (ctx.rank == 4) dims.insert(dims.end() - 1, 1);
  return ctx.g.add_initializer(key, std::span<const float>(values), dims);
}

// Conv attributes along the time axis for the current rank.
ConvParams time_conv(const CodecGraphContext& ctx, int64_t stride, int64_t dilation, int64_t groups) {
  ConvParams p;
  p.strides = ctx.rank == 4 ? std::vector<int64_t>{1, stride} : std::vector<int64_t>{stride};
  p.dilations = ctx.rank == 4 ? std::vector<int64_t>{1, dilation} : std::vector<int64_t>{dilation};
  p.group = groups;
  return p;
}

std::vector<int64_t> state_shape(const CodecGraphContext& ctx, int64_t channels, int64_t length) {
  if (ctx.channels_last) return {1, length, channels};
  return ctx.rank == 4 ? std::vector<int64_t>{1, channels, 1, length} : std::vector<int64_t>{1, channels, length};
}

std::string strip_dot(const std::string& prefix) {
  return !prefix.empty() && prefix.back() == '.' ? prefix.substr(0, prefix.size() - 1) : prefix;
}

std::string emit_bf16_conv(CodecGraphContext& ctx, const std::string& in, const std::string& state,
                           const std::string& name, const std::vector<float>& weight, const std::vector<int64_t>& dims,
                           std::span<const float> bias, const ConvParams& params, int64_t tile_steps);

// Rows per tile of a bf16 Linear: one length whatever the chunk, so streaming stays bit-exact; small, because
// the transformer runs at frame rate and a streamed chunk is a few frames.
constexpr int64_t kBf16LinearTileRows = 16;

std::string linear_from(CodecGraphContext& ctx, const std::string& x, const std::string& key) {
  const checkpoint::Tensor& w = ctx.weights.get(key);
  if (w.shape.size() != 2) {
    throw Error(ErrorCode::kBadFormat, key + ": expected a 2-D Linear weight, got " + w.shape_string());
  }
  std::vector<float> values = floats(w);
  if (ctx.bf16_linears) {  // x [1, S, in] is already channels last: a kernel-1 conv is the Linear
    const std::vector<float> no_bias(static_cast<size_t>(w.shape[0]), 0.0f);
    return emit_bf16_conv(ctx, x, "", strip_dot(key.substr(0, key.size() - std::string_view(".weight").size())),
                          values, {w.shape[0], w.shape[1], 1}, no_bias, time_conv(ctx, 1, 1, 1), kBf16LinearTileRows);
  }
  return linear(ctx.g, x, key, values, w.shape[0], w.shape[1], WeightOptions{});
}

}  // namespace

CodecTransformerShape pre_post_shape(const checkpoint::CodecTransformerConfig& c) {
  CodecTransformerShape s;
  s.n_layer = c.n_layer;
  s.dim = c.dim;
  s.n_head = c.n_head;
  s.n_kv_head = c.n_local_heads > 0 ? c.n_local_heads : c.n_head;
  s.head_dim = c.head_dim;
  s.ffn = c.intermediate_size;
  s.window = c.window_size;
  s.block_size = c.block_size;
  s.steps_per_frame = 1;
  s.norm_eps = static_cast<float>(c.norm_eps);
  return s;
}

std::string codec_weight(CodecGraphContext& ctx, const std::string& key) {
  return float_initializer(ctx.g, ctx.weights.get(key), key);
}

namespace {

// Frames per tile of the bf16 convs (the op cuts every call into tiles of one length: bit-exact streaming).
// bench-codec, S1-mini, 2 threads, bf16x3, rtf of 16-frame / 4-frame pushes: 2 frames 0.38-0.41 / 0.62, 4 frames
// 0.39-0.42 / 0.95, 8 frames 0.46 / 1.46 (a 4-frame call padded to 8, one tile for two threads), 16 frames
// 0.77 / 2.6; tiles sized to 512 KB of input instead 0.41-0.42 / 0.67.
constexpr int64_t kBf16TileFrames = 2;

// The channels-last bf16 conv (ort/conv1d_bf16_op.h). With a `state` input (registered last) the op reads
// [state, in] itself and returns the next state, so no Concat copies the activations.
std::string emit_bf16_conv(CodecGraphContext& ctx, const std::string& in, const std::string& state,
                           const std::string& name, const std::vector<float>& weight, const std::vector<int64_t>& dims,
                           std::span<const float> bias, const ConvParams& params, int64_t tile_steps) {
  GraphBuilder& g = ctx.g;
  if (params.group != 1) {
    throw Error(ErrorCode::kUnsupported, name + ": grouped conv (" + std::to_string(params.group) +
                                             " groups) in the channels-last bf16 conv stack");
  }
  std::vector<std::string> inputs = {in, g.add_initializer(name + ".weight", std::span<const float>(weight), dims),
                                     g.add_initializer(name + ".bias", bias, {dims[0]})};
  if (!state.empty()) inputs.push_back(state);
  const std::vector<Attr> attrs = {
      {"dilation", params.dilations.back()},
      {"stride", params.strides.back()},
      {"terms", ctx.bf16_terms},
      {"tile", tile_steps}};
  const std::vector<std::string> out =
      g.add_node(ort::kConv1dBf16Op, std::move(inputs), attrs, state.empty() ? 1 : 2, ort::kCustomDomain);
  if (!state.empty()) state_output(ctx, out[1]);
  ctx.convs.push_back(ConvTap{name, in, out[0], 1});
  return out[0];
}

int64_t conv_tile_steps(const CodecGraphContext& ctx, const ConvParams& params) {
  return std::max<int64_t>(16, ctx.steps_per_frame / params.strides.back() * kBf16TileFrames);
}

// A conv with weight [out, in / groups, k] (row-major values) and bias [out], in the current layout.
// (Measured and dropped: int8 convs via DynamicQuantizeLinear + ConvInteger ran 3x slower than fp32 Conv in one
// profiled S1-mini decode, and gave 17 dB SNR on the tiny fixture.)
std::string emit_conv(CodecGraphContext& ctx, const std::string& in, const std::string& name, std::vector<float> weight,
                      std::vector<int64_t> dims, std::span<const float> bias, const ConvParams& params) {
  GraphBuilder& g = ctx.g;
  if (ctx.rank == 4) dims.insert(dims.end() - 1, 1);
  ConvTap tap{name, in, "", params.group};
  const auto quantized = ctx.int8_convs ? ctx.int8_convs->find(name) : ConvQuantization::const_iterator{};
  if (ctx.int8_convs && quantized != ctx.int8_convs->end()) {
    tap.output = qdq_conv(g, in, name, weight, dims, bias, params, quantized->second);
    tap.int8 = true;
  } else {
    tap.output = g.conv(in, g.add_initializer(name + ".weight", std::span<const float>(weight), dims),
                        g.add_initializer(name + ".bias", bias, {dims[0]}), params);
  }
  ctx.convs.push_back(tap);
  return tap.output;
}

}  // namespace

std::string causal_conv(CodecGraphContext& ctx, const std::string& x, const std::string& prefix, int64_t stride,
                        int64_t dilation, int64_t groups) {
  const checkpoint::Tensor& w = ctx.weights.get(prefix + "weight");
  if (w.shape.size() != 3) throw Error(ErrorCode::kBadFormat, prefix + "weight: expected [out, in, k], got " + w.shape_string());
  const int64_t k = w.shape[2];
  const int64_t cin = w.shape[1] * groups;
  const int64_t pad = (k - 1) * dilation + 1 - stride;  // left zeros of spec 5.2.2 = the state length
  if (pad < 0) throw Error(ErrorCode::kUnsupported, prefix + "weight: kernel " + std::to_string(k) + " shorter than stride " + std::to_string(stride));
  auto scope = ctx.g.scope(strip_dot(prefix));
  std::vector<float> bias = floats(ctx.weights.get(prefix + "bias"));
  const ConvParams params = time_conv(ctx, stride, dilation, groups);
  const std::string state = pad > 0 ? state_input(ctx, strip_dot(prefix), state_shape(ctx, cin, pad)) : "";
  if (ctx.channels_last) {
    return emit_bf16_conv(ctx, x, state, strip_dot(prefix), floats(w), w.shape, bias, params, conv_tile_steps(ctx, params));
  }
  std::string in = x;
  if (pad > 0) {
    in = ctx.g.concat({state, x}, time_axis(ctx));
    keep_tail(ctx, in, pad, time_axis(ctx));
  }
  return emit_conv(ctx, in, strip_dot(prefix), floats(w), w.shape, bias, params);
}

std::string causal_conv_transpose(CodecGraphContext& ctx, const std::string& x, const std::string& prefix,
                                  int64_t stride) {
  const checkpoint::Tensor& w = ctx.weights.get(prefix + "weight");
  if (w.shape.size() != 3) throw Error(ErrorCode::kBadFormat, prefix + "weight: expected [in, out, k], got " + w.shape_string());
  const int64_t k = w.shape[2];
  if (k < stride) throw Error(ErrorCode::kUnsupported, prefix + "weight: kernel " + std::to_string(k) + " shorter than stride " + std::to_string(stride));
  // Input steps before the chunk that still reach its outputs: ceil((k - stride) / stride).
  const int64_t context = (k - stride + stride - 1) / stride;
  auto scope = ctx.g.scope(strip_dot(prefix));
  std::string in = x;
  const std::string state = context > 0 ? state_input(ctx, strip_dot(prefix), state_shape(ctx, w.shape[0], context)) : "";
  if (context > 0 && !ctx.channels_last) {
    in = ctx.g.concat({state, x}, time_axis(ctx));
    keep_tail(ctx, in, context, time_axis(ctx));
  }
  if (!ctx.polyphase_transpose && !ctx.channels_last) {
    std::string y = ctx.g.conv_transpose(in, layout_weight(ctx, prefix + "weight", w.shape),
                                         codec_weight(ctx, prefix + "bias"), time_conv(ctx, stride, 1, 1));
    // Outputs of the context steps alone come first (already emitted by the previous chunk); the last k - stride
    // are the right trim of spec 5.2.3 (they belong to the next chunk).
    if (context > 0 || k > stride) y = ctx.g.slice(y, {context * stride}, {k > stride ? -(k - stride) : kToEnd}, {-1});
    return y;
  }
  // Polyphase form: output t * stride + j = sum over q of x[t - q] w[:, :, j + q * stride], i.e. a plain conv with
  // context + 1 taps and cout * stride output channels (phase j of channel o at o * stride + j), then the phases
  // interleaved along time. Same products, and ORT runs it with its fast conv kernels.
  const int64_t cin = w.shape[0], cout = w.shape[1], taps = context + 1;
  // Channels last orders the rows phase-major (j * cout + o): [1, L, stride * cout] is then [1, L * stride, cout]
  // as it stands, and the interleave is a free reshape.
  auto row_of = [&](int64_t o, int64_t j) { return ctx.channels_last ? j * cout + o : o * stride + j; };
  std::vector<float> v = floats(w), bias = floats(ctx.weights.get(prefix + "bias"));
  std::vector<float> poly(static_cast<size_t>(cout * stride * cin * taps), 0.0f), poly_bias(static_cast<size_t>(cout * stride));
  for (int64_t o = 0; o < cout; ++o) {
    for (int64_t j = 0; j < stride; ++j) {
      const int64_t row = row_of(o, j);
      poly_bias[static_cast<size_t>(row)] = bias[static_cast<size_t>(o)];
      for (int64_t i = 0; i < cin; ++i) {
        for (int64_t q = 0; q < taps && j + q * stride < k; ++q) {
          poly[static_cast<size_t>((row * cin + i) * taps + (taps - 1 - q))] = v[static_cast<size_t>((i * cout + o) * k + j + q * stride)];
        }
      }
    }
  }
  std::string y;
  if (taps == 1 && ctx.rank == 3 && !ctx.channels_last) {
    // No context (kernel == stride): a per-step linear map. As a MatMul its sums do not depend on the chunk
    // length (a 1-step Conv takes another kernel path in ORT and rounds differently), so streaming stays exact.
    std::vector<float> wt(poly.size());
    for (int64_t r = 0; r < cout * stride; ++r) {
      for (int64_t i = 0; i < cin; ++i) wt[static_cast<size_t>(i * cout * stride + r)] = poly[static_cast<size_t>(r * cin + i)];
    }
    y = ctx.g.matmul(ctx.g.transpose(in, {0, 2, 1}),
                     ctx.g.add_initializer(prefix + "polyphase.weight", std::span<const float>(wt), {cin, cout * stride}));
    y = ctx.g.add(y, ctx.g.add_initializer(prefix + "polyphase.bias", std::span<const float>(poly_bias), {cout * stride}));
    y = ctx.g.transpose(ctx.g.reshape(y, std::vector<int64_t>{1, -1, cout, stride}), {0, 2, 1, 3});
    return ctx.g.reshape(y, std::vector<int64_t>{1, cout, -1});
  }
  if (ctx.channels_last) {
    const ConvParams params = time_conv(ctx, 1, 1, 1);
    y = emit_bf16_conv(ctx, x, state, prefix + "polyphase", poly, {cout * stride, cin, taps}, poly_bias, params,
                       conv_tile_steps(ctx, params));
    ctx.steps_per_frame *= stride;
    return ctx.g.reshape(y, std::vector<int64_t>{1, -1, cout});
  }
  y = emit_conv(ctx, in, prefix + "polyphase", std::move(poly), {cout * stride, cin, taps}, poly_bias,
                time_conv(ctx, 1, 1, 1));
  y = ctx.g.transpose(ctx.g.reshape(y, std::vector<int64_t>{1, cout, stride, -1}), {0, 1, 3, 2});
  return ctx.g.reshape(y, ctx.rank == 4 ? std::vector<int64_t>{1, cout, 1, -1} : std::vector<int64_t>{1, cout, -1});
}

std::string snake(CodecGraphContext& ctx, const std::string& x, const std::string& alpha_key) {
  const checkpoint::Tensor& a = ctx.weights.get(alpha_key);
  std::vector<float> alpha = floats(a);
  std::vector<float> inv(alpha.size());
  // reciprocal(alpha + 1e-9) in fp32, as DAC evaluates it (spec 5.2.1).
  for (size_t i = 0; i < alpha.size(); ++i) inv[i] = 1.0f / (alpha[i] + 1e-9f);
  auto scope = ctx.g.scope(alpha_key);
  std::vector<int64_t> dims = a.shape;
  if (ctx.rank == 4) dims.push_back(1);
  if (ctx.channels_last) dims = {static_cast<int64_t>(alpha.size())};  // broadcasts along [1, L, C]
  const std::string alpha_v = ctx.g.add_initializer(alpha_key, std::span<const float>(alpha), dims);
  // The custom op computes the same reciprocal itself and reads alpha by channel, whatever its shape.
  if (ctx.fused_snake) {
    std::vector<Attr> channels_last_axis;
    if (ctx.channels_last) channels_last_axis.emplace_back("axis", int64_t{-1});
    return ctx.g.op(ort::kSnakeOp, {x, alpha_v}, channels_last_axis, ort::kCustomDomain);
  }
  const std::string inv_v = ctx.g.add_initializer(alpha_key + ".inv", std::span<const float>(inv), dims);
  const std::string s = ctx.g.sin(ctx.g.mul(alpha_v, x));
  return ctx.g.add(x, ctx.g.mul(inv_v, ctx.g.mul(s, s)));
}

std::string residual_unit(CodecGraphContext& ctx, const std::string& x, const std::string& prefix, int64_t dilation) {
  std::string y = snake(ctx, x, prefix + "block.0.alpha");
  y = causal_conv(ctx, y, prefix + "block.1.conv.", 1, dilation);
  y = snake(ctx, y, prefix + "block.2.alpha");
  y = causal_conv(ctx, y, prefix + "block.3.conv.", 1, 1);
  return ctx.g.add(x, y);
}

std::string convnext(CodecGraphContext& ctx, const std::string& x, const std::string& prefix) {
  GraphBuilder& g = ctx.g;
  const int64_t dim = ctx.weights.get(prefix + "dwconv.conv.weight").shape.at(0);
  std::string y = causal_conv(ctx, x, prefix + "dwconv.conv.", 1, 1, dim);
  auto scope = g.scope(strip_dot(prefix));
  y = g.transpose(y, {0, 2, 1});
  y = g.layer_norm(y, codec_weight(ctx, prefix + "norm.weight"), codec_weight(ctx, prefix + "norm.bias"), 1e-6f);
  y = g.add(linear_from(ctx, y, prefix + "pwconv1.weight"), codec_weight(ctx, prefix + "pwconv1.bias"));
  // Exact GELU, 0.5 x (1 + erf(x / sqrt 2)); ORT fuses the pattern into its Gelu kernel.
  y = g.mul(g.mul(y, g.const_f32(0.5f)), g.add(g.const_f32(1.0f), g.erf(g.mul(y, g.const_f32(static_cast<float>(M_SQRT1_2))))));
  y = g.add(linear_from(ctx, y, prefix + "pwconv2.weight"), codec_weight(ctx, prefix + "pwconv2.bias"));
  y = g.mul(y, codec_weight(ctx, prefix + "gamma"));
  return g.add(x, g.transpose(y, {0, 2, 1}));
}

namespace {

// Rotates adjacent pairs of x [1, S, H, D] by the gathered cos/sin [1, S, 1, D/2, 1] (upstream apply_rotary_emb).
std::string rope(GraphBuilder& g, const std::string& x, const std::string& cos, const std::string& sin,
                 int64_t heads, int64_t head_dim) {
  const std::string pairs = g.reshape(x, std::vector<int64_t>{1, -1, heads, head_dim / 2, 2});
  const std::string x0 = g.slice(pairs, {0}, {1}, {-1});
  const std::string x1 = g.slice(pairs, {1}, {2}, {-1});
  const std::string out0 = g.sub(g.mul(x0, cos), g.mul(x1, sin));
  const std::string out1 = g.add(g.mul(x1, cos), g.mul(x0, sin));
  return g.reshape(g.concat({out0, out1}, -1), std::vector<int64_t>{1, -1, heads, head_dim});
}

}  // namespace

std::string codec_transformer(CodecGraphContext& ctx, const std::string& x, const std::string& prefix,
                              const CodecTransformerShape& s) {
  GraphBuilder& g = ctx.g;
  if (s.n_head != s.n_kv_head) {
    throw Error(ErrorCode::kUnsupported, prefix + ": codec transformer with " + std::to_string(s.n_head) + " query and " +
                                             std::to_string(s.n_kv_head) + " kv heads (upstream splits wqkv in equal thirds)");
  }
  if (s.window < 2) throw Error(ErrorCode::kUnsupported, prefix + ": attention window " + std::to_string(s.window) + " < 2");
  const checkpoint::Tensor& table = ctx.weights.get(prefix + "freqs_cis");
  if (table.shape.size() != 3 || table.shape[2] != 2 || table.shape[1] * 2 != s.head_dim) {
    throw Error(ErrorCode::kBadFormat, prefix + "freqs_cis: expected [positions, " + std::to_string(s.head_dim / 2) +
                                           ", 2], got " + table.shape_string());
  }
  const int64_t half = s.head_dim / 2;
  const int64_t past = s.window - 1;  // cached positions: a query sees itself and window - 1 earlier keys
  auto scope = g.scope(strip_dot(prefix));

  // The stored table (spec 1.5), split into cos / sin columns as fp32.
  std::vector<float> cis = floats(table);
  const int64_t rows = table.shape[0];
  std::vector<float> cos(static_cast<size_t>(rows * half)), sin(cos.size());
  for (size_t i = 0; i < cos.size(); ++i) {
    cos[i] = cis[2 * i];
    sin[i] = cis[2 * i + 1];
  }
  const std::string cos_table = g.add_initializer(prefix + "cos", std::span<const float>(cos), {rows, half});
  const std::string sin_table = g.add_initializer(prefix + "sin", std::span<const float>(sin), {rows, half});

  std::string h = g.transpose(x, {0, 2, 1});  // [1, S, C]

  // Positions of this chunk and the window mask over [cache, chunk] keys (kept keys are the last `past` steps).
  const std::string start = g.squeeze(g.mul(ctx.start_frame, g.const_i64({s.steps_per_frame})), {0});
  const std::string seq = g.gather(g.shape_of(h), g.const_i64({1}, {}));
  const std::string end = g.add(start, seq);
  const std::string one = g.const_i64({1}, {});
  const std::string q_pos = g.op("Range", {start, end, one});
  const std::string k_pos = g.op("Range", {g.sub(start, g.const_i64({past}, {})), end, one});
  const std::string diff = g.sub(g.unsqueeze(q_pos, {1}), g.unsqueeze(k_pos, {0}));  // [S, past + S]
  const std::string before_start = g.op("Less", {g.unsqueeze(k_pos, {0}), g.const_i64({0}, {})});
  const std::string future = g.op("Less", {diff, g.const_i64({0}, {})});
  const std::string too_old = g.op("Not", {g.op("Less", {diff, g.const_i64({s.window}, {})})});
  const std::string hidden = g.op("Or", {g.op("Or", {before_start, future}), too_old});
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const std::string mask = g.where(hidden, g.const_f32(neg_inf), g.const_f32(0.0f));
  // Banded layout: slot indices [S, W] and the mask of slots before the utterance start.
  std::string band, band_mask;
  if (s.banded) {
    const std::string zero = g.const_i64({0}, {});
    const std::string rows = g.unsqueeze(g.op("Range", {zero, seq, one}), {1});
    const std::string cols = g.unsqueeze(g.op("Range", {zero, g.const_i64({s.window}, {}), one}), {0});
    band = g.add(rows, cols);
    const std::string band_pos = g.add(band, g.sub(start, g.const_i64({past}, {})));
    band_mask = g.where(g.op("Less", {band_pos, zero}), g.const_f32(neg_inf), g.const_f32(0.0f));
  }
  const std::vector<int64_t> table_shape = {1, -1, 1, half, 1};
  const std::string cos_rows = g.reshape(g.gather(cos_table, q_pos), table_shape);
  const std::string sin_rows = g.reshape(g.gather(sin_table, q_pos), table_shape);

  const int64_t width = s.n_head * s.head_dim;
  const std::string scale = g.const_f32(1.0f / std::sqrt(static_cast<float>(s.head_dim)));
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = prefix + "layers." + std::to_string(l) + ".";
    auto layer_scope = g.scope("layers." + std::to_string(l));
    std::string n = g.rms_norm(h, codec_weight(ctx, p + "attention_norm.weight"), s.norm_eps);
    const std::string qkv = linear_from(ctx, n, p + "attention.wqkv.weight");
    auto heads = [&](int64_t i) {
      return g.reshape(g.slice(qkv, {i * width}, {(i + 1) * width}, {-1}),
                       std::vector<int64_t>{1, -1, s.n_head, s.head_dim});
    };
    const std::vector<int64_t> bhsd = {0, 2, 1, 3};
    const std::string q = g.transpose(rope(g, heads(0), cos_rows, sin_rows, s.n_head, s.head_dim), bhsd);
    const std::string k = g.transpose(rope(g, heads(1), cos_rows, sin_rows, s.n_head, s.head_dim), bhsd);
    const std::string v = g.transpose(heads(2), bhsd);
    std::string k_all, v_all;
    for (auto [value, all, name] : {std::tuple{&k, &k_all, "k"}, std::tuple{&v, &v_all, "v"}}) {
      const std::string key = strip_dot(p) + "." + name;
      const std::string cache = state_input(ctx, key, {1, s.n_head, past, s.head_dim});
      *all = g.concat({cache, *value}, 2);
      keep_tail(ctx, *all, past, 2);
    }
    std::string attn;
    if (s.banded) {
      // [1, H, S, W, D] blocks: query i's keys are slots i .. i + W - 1 of [cache, chunk].
      const std::string k_win = g.gather(k_all, band, 2);
      const std::string v_win = g.gather(v_all, band, 2);
      std::string scores = g.matmul(k_win, g.unsqueeze(q, {-1}));  // [1, H, S, W, 1]
      scores = g.add(g.mul(g.squeeze(scores, {-1}), scale), band_mask);
      attn = g.squeeze(g.matmul(g.unsqueeze(g.softmax(scores, -1), {3}), v_win), {3});
    } else {
      std::string scores = g.mul(g.matmul(q, g.transpose(k_all, {0, 1, 3, 2})), scale);
      attn = g.matmul(g.softmax(g.add(scores, mask), -1), v_all);
    }
    attn = g.reshape(g.transpose(attn, bhsd), std::vector<int64_t>{1, -1, width});
    attn = linear_from(ctx, attn, p + "attention.wo.weight");
    h = g.add(h, g.mul(attn, codec_weight(ctx, p + "attention_layer_scale.gamma")));

    n = g.rms_norm(h, codec_weight(ctx, p + "ffn_norm.weight"), s.norm_eps);
    const std::string a = linear_from(ctx, n, p + "feed_forward.w1.weight");
    const std::string b = linear_from(ctx, n, p + "feed_forward.w3.weight");
    std::string f = linear_from(ctx, g.mul(g.mul(a, g.sigmoid(a)), b), p + "feed_forward.w2.weight");
    h = g.add(h, g.mul(f, codec_weight(ctx, p + "ffn_layer_scale.gamma")));
  }
  h = g.rms_norm(h, codec_weight(ctx, prefix + "norm.weight"), s.norm_eps);
  return g.transpose(h, {0, 2, 1});
}

}  // namespace fishtts::convert
