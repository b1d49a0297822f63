#include "convert/codec_graphs.h"

#include <cmath>

#include "common/error.h"
#include "convert/llm_layers.h"

namespace fishtts::convert {
namespace {

using checkpoint::CodecConfig;

std::vector<float> floats(const checkpoint::Tensor& t) {
  std::span<const float> view = t.float_view();
  if (!view.empty()) return {view.begin(), view.end()};
  return t.to_float();
}

// x [.., K] -> [.., N] through a 1x1 conv weight [N, K, 1] and its bias (the VQ projections).
std::string pointwise(CodecGraphContext& ctx, const std::string& x, const std::string& prefix) {
  const checkpoint::Tensor& w = ctx.weights.get(prefix + "weight");
  std::vector<float> values = floats(w);
  const std::string y = linear(ctx.g, x, prefix + "weight", values, w.shape.at(0), w.shape.at(1), WeightOptions{});
  return ctx.g.add(y, codec_weight(ctx, prefix + "bias"));
}

std::vector<int64_t> codebook_limits(const CodecConfig& c) {
  std::vector<int64_t> limits(static_cast<size_t>(c.n_codebooks + 1), c.codebook_size - 1);
  limits[0] = c.semantic_codebook_size - 1;
  return limits;
}

std::string vq_prefix(int64_t book) {
  return book == 0 ? "quantizer.semantic_quantizer.quantizers.0."
                   : "quantizer.quantizer.quantizers." + std::to_string(book - 1) + ".";
}

// [1, C, S] <-> [S, C]
std::string frames_last(GraphBuilder& g, const std::string& x) { return g.squeeze(g.transpose(x, {0, 2, 1}), {0}); }
std::string channels_first(GraphBuilder& g, const std::string& x) { return g.transpose(g.unsqueeze(x, {0}), {0, 2, 1}); }

CodecTransformerShape encoder_transformer_shape(const CodecConfig& c, size_t block, const checkpoint::TensorStore& w,
                                                const std::string& prefix) {
  CodecTransformerShape s;
  s.n_layer = c.encoder_transformer_layers[block];
  s.dim = c.encoder_channels(block);
  s.head_dim = c.general_head_dim;
  s.n_head = s.dim / s.head_dim;
  s.n_kv_head = c.general_n_local_heads > 0 ? c.general_n_local_heads : s.n_head;
  s.ffn = w.get(prefix + "layers.0.feed_forward.w1.weight").shape.at(0);
  s.window = c.encoder_transformer_window;
  s.block_size = c.general_block_size;
  int64_t rate = 1;
  for (size_t i = 0; i <= block; ++i) rate *= c.encoder_rates[i];
  s.steps_per_frame = c.frame_length() / rate;
  s.norm_eps = static_cast<float>(c.general_norm_eps);
  return s;
}

void check_transformer_io(const checkpoint::CodecTransformerConfig& t, const CodecConfig& c, const char* name) {
  if (t.dim != c.latent_dim) {
    throw Error(ErrorCode::kUnsupported, std::string("quantizer.") + name + ": transformer dim " + std::to_string(t.dim) +
                                             " differs from the latent dim " + std::to_string(c.latent_dim) +
                                             " (input/output projections are not supported)");
  }
}

}  // namespace

// Switches the conv-stack layout: rank 4 adds a unit axis 2 ([1, C, L] <-> [1, C, 1, L]).
std::string to_rank(CodecGraphContext& ctx, const std::string& x, int rank) {
  if (ctx.rank == rank) return x;
  ctx.rank = rank;
  return rank == 4 ? ctx.g.unsqueeze(x, {2}) : ctx.g.squeeze(x, {2});
}

CodecGraph build_codec_decode_graph(const checkpoint::CodecWeights& weights, const CodecGraphOptions& options) {
  const CodecConfig& c = weights.config;
  check_transformer_io(c.post_module, c, "post_module");
  GraphBuilder g("codec_decode");
  const int64_t books = c.n_codebooks + 1;
  const std::string codes = g.add_input("codes", ElemType::kInt64, {books, "frames"});
  CodecGraphContext ctx{g, weights.tensors, g.add_input("start_frame", ElemType::kInt64, {1}), {}};
  ctx.polyphase_transpose = options.polyphase_transpose;
  ctx.fused_snake = options.fused_snake;
  ctx.int8_convs = &options.int8_convs;

  // Dequantise (spec 5.4): upper clamp, codebook rows through out_proj, residual sum first, semantic added last.
  const std::vector<int64_t> limits = codebook_limits(c);
  const std::string clamped = g.op("Min", {codes, g.const_i64(limits, {books, 1})});
  std::string residual, semantic;
  for (int64_t b = 0; b < books; ++b) {
    const std::string p = vq_prefix(b);
    auto scope = g.scope(p.substr(0, p.size() - 1));
    const std::string idx = g.gather(clamped, g.const_i64({b}, {}), 0);
    const std::string rows = g.gather(codec_weight(ctx, p + "codebook.weight"), idx, 0);  // [S, code_dim]
    const std::string q = pointwise(ctx, rows, p + "out_proj.");                            // [S, latent]
    if (b == 0) {
      semantic = q;
    } else {
      residual = b == 1 ? q : g.add(residual, q);
    }
  }
  std::string x = channels_first(g, g.add(semantic, residual));
  g.add_output(x, ElemType::kFloat, {1, c.latent_dim, "frames"}, "zq");
  ctx.bf16_linears = options.bf16_terms > 0;
  ctx.bf16_terms = std::max<int64_t>(1, options.bf16_terms);
  CodecTransformerShape post = pre_post_shape(c.post_module);
  post.banded = true;  // streaming decode = whole decode, bit for bit
  x = codec_transformer(ctx, x, "quantizer.post_module.", post);
  g.add_output(x, ElemType::kFloat, {1, c.latent_dim, "frames"}, "post");
  const size_t n_up = c.downsample_factor.size();
  for (size_t i = 0; i < n_up; ++i) {  // mirrors the downsampling
    const std::string p = "quantizer.upsample." + std::to_string(i) + ".";
    x = causal_conv_transpose(ctx, x, p + "0.conv.", c.downsample_factor[n_up - 1 - i]);
    x = convnext(ctx, x, p + "1.");
  }
  g.add_output(x, ElemType::kFloat, {1, c.latent_dim, "latent_steps"}, "latent");

  if (options.bf16_terms > 0) {
    if (!options.int8_convs.empty()) throw Error(ErrorCode::kInvalidArgument, "codec decode: bf16 and int8 convs together");
    x = g.transpose(x, {0, 2, 1});
    ctx.channels_last = true;
    ctx.bf16_terms = options.bf16_terms;
    ctx.steps_per_frame = 1;
    for (int64_t f : c.downsample_factor) ctx.steps_per_frame *= f;
  } else {
    x = to_rank(ctx, x, options.conv_rank);
  }
  x = causal_conv(ctx, x, "decoder.model.0.conv.", 1, 1);
  for (size_t i = 0; i < c.decoder_rates.size(); ++i) {
    const std::string p = "decoder.model." + std::to_string(i + 1) + ".block.";
    x = snake(ctx, x, p + "0.alpha");
    x = causal_conv_transpose(ctx, x, p + "1.conv.", c.decoder_rates[i]);
    int64_t dilation = 1;
    for (int j = 0; j < 3; ++j, dilation *= 3) x = residual_unit(ctx, x, p + std::to_string(j + 2) + ".", dilation);
  }
  const size_t n = c.decoder_rates.size();
  x = snake(ctx, x, "decoder.model." + std::to_string(n + 1) + ".alpha");
  x = causal_conv(ctx, x, "decoder.model." + std::to_string(n + 2) + ".conv.", 1, 1);
  x = ctx.channels_last ? g.transpose(x, {0, 2, 1}) : to_rank(ctx, x, 3);
  g.add_output(g.tanh(x), ElemType::kFloat, {1, 1, "samples"}, "audio");

  std::vector<CodecState> states = std::move(ctx.states);
  std::vector<ConvTap> convs = std::move(ctx.convs);
  return {std::move(g).build(), std::move(states), std::move(convs)};
}

CodecGraph build_codec_encode_graph(const checkpoint::CodecWeights& weights, const CodecGraphOptions& options) {
  const CodecConfig& c = weights.config;
  check_transformer_io(c.pre_module, c, "pre_module");
  GraphBuilder g("codec_encode");
  const std::string audio = g.add_input("audio", ElemType::kFloat, {1, 1, "samples"});
  CodecGraphContext ctx{g, weights.tensors, g.add_input("start_frame", ElemType::kInt64, {1}), {}};
  ctx.polyphase_transpose = options.polyphase_transpose;
  ctx.fused_snake = options.fused_snake;

  // Encoder (spec 5.3).
  std::string x = to_rank(ctx, audio, options.conv_rank);
  x = causal_conv(ctx, x, "encoder.block.0.conv.", 1, 1);
  for (size_t i = 0; i < c.encoder_rates.size(); ++i) {
    const std::string p = "encoder.block." + std::to_string(i + 1) + ".block.";
    int64_t dilation = 1;
    for (int j = 0; j < 3; ++j, dilation *= 3) x = residual_unit(ctx, x, p + std::to_string(j) + ".", dilation);
    x = snake(ctx, x, p + "3.alpha");
    x = causal_conv(ctx, x, p + "4.conv.", c.encoder_rates[i], 1);
    if (c.encoder_transformer_layers[i] > 0) {
      x = to_rank(ctx, x, 3);
      x = codec_transformer(ctx, x, p + "5.", encoder_transformer_shape(c, i, weights.tensors, p + "5."));
      x = to_rank(ctx, x, options.conv_rank);
    }
  }
  const size_t n = c.encoder_rates.size();
  x = snake(ctx, x, "encoder.block." + std::to_string(n + 1) + ".alpha");
  x = causal_conv(ctx, x, "encoder.block." + std::to_string(n + 2) + ".conv.", 1, 1);
  x = to_rank(ctx, x, 3);
  g.add_output(x, ElemType::kFloat, {1, c.latent_dim, "latent_steps"}, "latent");

  for (size_t i = 0; i < c.downsample_factor.size(); ++i) {
    const std::string p = "quantizer.downsample." + std::to_string(i) + ".";
    x = causal_conv(ctx, x, p + "0.conv.", c.downsample_factor[i], 1);
    x = convnext(ctx, x, p + "1.");
  }
  x = codec_transformer(ctx, x, "quantizer.pre_module.", pre_post_shape(c.pre_module));
  g.add_output(x, ElemType::kFloat, {1, c.latent_dim, "frames"}, "pre");

  // Residual VQ (spec 5.2.7): cosine lookup on normalised vectors, straight-through output subtracted.
  std::string residual = frames_last(g, x);  // [S, latent]
  std::vector<std::string> codes;
  for (int64_t b = 0; b <= c.n_codebooks; ++b) {
    const std::string p = vq_prefix(b);
    auto scope = g.scope(p.substr(0, p.size() - 1));
    const checkpoint::Tensor& book = weights.tensors.get(p + "codebook.weight");
    const int64_t entries = book.shape.at(0), dim = book.shape.at(1);
    std::vector<float> rows = floats(book);
    // F.normalize on every row (u / max(|u|, 1e-12)) and the squared norms, once at conversion, in fp32.
    std::vector<float> unit_t(rows.size()), unit_sq(static_cast<size_t>(entries));
    for (int64_t r = 0; r < entries; ++r) {
      float sum = 0.0f;
      for (int64_t d = 0; d < dim; ++d) sum += rows[r * dim + d] * rows[r * dim + d];
      const float norm = std::max(std::sqrt(sum), 1e-12f);
      float sq = 0.0f;
      for (int64_t d = 0; d < dim; ++d) {
        const float u = rows[r * dim + d] / norm;
        unit_t[d * entries + r] = u;  // transposed [dim, entries] for the MatMul
        sq += u * u;
      }
      unit_sq[r] = sq;
    }
    const std::string ze = pointwise(ctx, residual, p + "in_proj.");  // [S, dim]
    const std::string norm = g.op("Max", {g.sqrt(g.reduce_sum(g.mul(ze, ze), {-1})), g.const_f32(1e-12f)});
    const std::string e = g.div(ze, norm);
    const std::string e_sq = g.reduce_sum(g.mul(e, e), {-1});  // [S, 1]
    const std::string cross = g.matmul(g.mul(e, g.const_f32(2.0f)),
                                       g.add_initializer(p + "codebook.unit_t", std::span<const float>(unit_t), {dim, entries}));
    const std::string dist = g.add(g.sub(e_sq, cross),
                                   g.add_initializer(p + "codebook.unit_sq", std::span<const float>(unit_sq), {1, entries}));
    // argmax of -dist with the first maximum winning == argmin of dist with the first minimum (negation is exact).
    const std::string idx = g.op("ArgMin", {dist}, {{"axis", 1}, {"keepdims", 0}, {"select_last_index", 0}});
    codes.push_back(g.unsqueeze(idx, {0}));
    const std::string chosen = g.gather(codec_weight(ctx, p + "codebook.weight"), idx, 0);
    const std::string zq = pointwise(ctx, g.add(ze, g.sub(chosen, ze)), p + "out_proj.");
    residual = g.sub(residual, zq);
  }
  g.add_output(g.concat(codes, 0), ElemType::kInt64, {c.n_codebooks + 1, "frames"}, "codes");

  std::vector<CodecState> states = std::move(ctx.states);
  std::vector<ConvTap> convs = std::move(ctx.convs);
  return {std::move(g).build(), std::move(states), std::move(convs)};
}

}  // namespace fishtts::convert
