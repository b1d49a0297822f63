#include "checkpoint/expected_tensors.h"

namespace fishtts::checkpoint {

namespace {

using Shape = std::vector<int64_t>;

struct Builder {
  ExpectedSet set;
  std::string block;
  void add(const std::string& name, Shape shape, bool weight_norm = false) {
    set.params.push_back({name, std::move(shape), block, weight_norm});
  }
  void buffer(const std::string& name, Shape shape) { set.optional_buffers.push_back({name, std::move(shape), block, false}); }
};

// One DualAR transformer block (slow or fast share the structure, spec 2.3).
void llm_layer(Builder& b, const std::string& p, int64_t dim, int64_t n_head, int64_t n_kv, int64_t head_dim,
               int64_t ffn, bool qkv_bias, bool o_bias, bool qk_norm) {
  const int64_t qkv = (n_head + 2 * n_kv) * head_dim;
  b.add(p + "attention.wqkv.weight", {qkv, dim});
  if (qkv_bias) b.add(p + "attention.wqkv.bias", {qkv});
  b.add(p + "attention.wo.weight", {dim, n_head * head_dim});
  if (o_bias) b.add(p + "attention.wo.bias", {dim});
  if (qk_norm) {
    b.add(p + "attention.q_norm.weight", {head_dim});
    b.add(p + "attention.k_norm.weight", {head_dim});
  }
  b.add(p + "feed_forward.w1.weight", {ffn, dim});
  b.add(p + "feed_forward.w3.weight", {ffn, dim});
  b.add(p + "feed_forward.w2.weight", {dim, ffn});
  b.add(p + "ffn_norm.weight", {dim});
  b.add(p + "attention_norm.weight", {dim});
}

// Weight-normed conv after folding: weight + bias.
void conv(Builder& b, const std::string& p, Shape weight) {
  const int64_t out = weight[0];
  b.add(p + "weight", std::move(weight), true);
  b.add(p + "bias", {out});
}

void transposed_conv(Builder& b, const std::string& p, Shape weight) {  // [in, out, k]
  const int64_t out = weight[1];
  b.add(p + "weight", std::move(weight), true);
  b.add(p + "bias", {out});
}

void snake(Builder& b, const std::string& name, int64_t channels) { b.add(name, {1, channels, 1}); }

void residual_unit(Builder& b, const std::string& p, int64_t c) {
  snake(b, p + "block.0.alpha", c);
  conv(b, p + "block.1.conv.", {c, c, 7});
  snake(b, p + "block.2.alpha", c);
  conv(b, p + "block.3.conv.", {c, c, 1});
}

// WindowLimitedTransformer (spec 5.2.6): layers, final norm, RoPE table + mask buffers.
void codec_transformer(Builder& b, const std::string& p, int64_t n_layer, int64_t dim, int64_t n_head, int64_t n_kv,
                       int64_t head_dim, int64_t ffn, int64_t block_size) {
  b.buffer(p + "freqs_cis", {block_size, head_dim / 2, 2});
  b.buffer(p + "causal_mask", {block_size, block_size});
  for (int64_t l = 0; l < n_layer; ++l) {
    const std::string q = p + "layers." + std::to_string(l) + ".";
    b.add(q + "attention.wqkv.weight", {(n_head + 2 * n_kv) * head_dim, dim});
    b.add(q + "attention.wo.weight", {dim, n_head * head_dim});
    b.add(q + "feed_forward.w1.weight", {ffn, dim});
    b.add(q + "feed_forward.w3.weight", {ffn, dim});
    b.add(q + "feed_forward.w2.weight", {dim, ffn});
    b.add(q + "ffn_norm.weight", {dim});
    b.add(q + "attention_norm.weight", {dim});
    b.add(q + "attention_layer_scale.gamma", {dim});
    b.add(q + "ffn_layer_scale.gamma", {dim});
  }
  b.add(p + "norm.weight", {dim});
}

void convnext(Builder& b, const std::string& p, int64_t dim) {
  b.add(p + "dwconv.conv.weight", {dim, 1, 7});
  b.add(p + "dwconv.conv.bias", {dim});
  b.add(p + "norm.weight", {dim});
  b.add(p + "norm.bias", {dim});
  b.add(p + "pwconv1.weight", {4 * dim, dim});
  b.add(p + "pwconv1.bias", {4 * dim});
  b.add(p + "pwconv2.weight", {dim, 4 * dim});
  b.add(p + "pwconv2.bias", {dim});
  b.add(p + "gamma", {dim});
}

void vq(Builder& b, const std::string& p, int64_t input_dim, int64_t code_dim, int64_t entries) {
  b.add(p + "in_proj.weight", {code_dim, input_dim, 1}, true);
  b.add(p + "in_proj.bias", {code_dim});
  b.add(p + "out_proj.weight", {input_dim, code_dim, 1}, true);
  b.add(p + "out_proj.bias", {input_dim});
  b.add(p + "codebook.weight", {entries, code_dim});
}

}  // namespace

int64_t ExpectedTensor::stored_params() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return weight_norm && !shape.empty() ? n + shape[0] : n;
}

int64_t ExpectedSet::param_count() const {
  int64_t total = 0;
  for (const ExpectedTensor& t : params) total += t.stored_params();
  return total;
}

const ExpectedTensor* ExpectedSet::find(const std::string& name) const {
  for (const auto* list : {&params, &optional_buffers}) {
    for (const ExpectedTensor& t : *list) {
      if (t.name == name) return &t;
    }
  }
  return nullptr;
}

std::vector<std::string> llm_blocks() {
  return {"embeddings", "codebook_embeddings", "slow_layers", "slow_norm", "output",
          "fast_project_in", "fast_embeddings", "fast_layers", "fast_norm", "fast_output"};
}

std::vector<std::string> codec_blocks() {
  return {"codec.encoder", "codec.quantizer.downsample", "codec.quantizer.pre_module", "codec.quantizer.vq",
          "codec.quantizer.post_module", "codec.quantizer.upsample", "codec.decoder"};
}

ExpectedSet expected_llm_tensors(const LlmConfig& c) {
  Builder b;
  b.block = "embeddings";
  b.add("embeddings.weight", {c.vocab_size, c.dim});
  b.block = "codebook_embeddings";
  b.add("codebook_embeddings.weight", {c.codebook_size * c.num_codebooks, c.dim});
  b.block = "slow_layers";
  for (int64_t l = 0; l < c.n_layer; ++l) {
    llm_layer(b, "layers." + std::to_string(l) + ".", c.dim, c.n_head, c.n_local_heads, c.head_dim,
              c.intermediate_size, c.attention_qkv_bias, c.attention_o_bias, c.attention_qk_norm);
  }
  b.block = "slow_norm";
  b.add("norm.weight", {c.dim});
  if (!c.tie_word_embeddings) {
    b.block = "output";
    b.add("output.weight", {c.vocab_size, c.dim});
  }
  if (c.fast_dim != c.dim) {  // upstream's nn.Linear(dim, fast_dim) with bias; identity otherwise
    b.block = "fast_project_in";
    b.add("fast_project_in.weight", {c.fast_dim, c.dim});
    b.add("fast_project_in.bias", {c.fast_dim});
  }
  b.block = "fast_embeddings";
  b.add("fast_embeddings.weight", {c.codebook_size, c.fast_dim});
  b.block = "fast_layers";
  for (int64_t l = 0; l < c.n_fast_layer; ++l) {
    llm_layer(b, "fast_layers." + std::to_string(l) + ".", c.fast_dim, c.fast_n_head, c.fast_n_local_heads,
              c.fast_head_dim, c.fast_intermediate_size, c.fast_attention_qkv_bias, c.fast_attention_o_bias,
              c.fast_attention_qk_norm);
  }
  b.block = "fast_norm";
  b.add("fast_norm.weight", {c.fast_dim});
  b.block = "fast_output";
  b.add("fast_output.weight", {c.codebook_size, c.fast_dim});
  return std::move(b.set);
}

ExpectedSet expected_codec_tensors(const CodecConfig& c) {
  Builder b;
  const size_t n_enc = c.encoder_rates.size();
  const size_t n_dec = c.decoder_rates.size();
  const int64_t latent = c.latent_dim;

  b.block = "codec.encoder";
  conv(b, "encoder.block.0.conv.", {c.encoder_dim, 1, 7});
  for (size_t i = 0; i < n_enc; ++i) {
    const std::string p = "encoder.block." + std::to_string(i + 1) + ".block.";
    const int64_t cin = i == 0 ? c.encoder_dim : c.encoder_channels(i - 1);
    const int64_t cout = c.encoder_channels(i);
    for (int j = 0; j < 3; ++j) residual_unit(b, p + std::to_string(j) + ".", cin);
    snake(b, p + "3.alpha", cin);
    conv(b, p + "4.conv.", {cout, cin, 2 * c.encoder_rates[i]});
    if (c.encoder_transformer_layers[i] > 0) {
      const int64_t heads = cout / c.general_head_dim;
      const int64_t kv = c.general_n_local_heads > 0 ? c.general_n_local_heads : heads;
      const int64_t ffn = c.encoder_transformer_ffn > 0 ? c.encoder_transformer_ffn : 3 * cout;
      codec_transformer(b, p + "5.", c.encoder_transformer_layers[i], cout, heads, kv, c.general_head_dim, ffn,
                        c.general_block_size);
    }
  }
  const int64_t enc_out = c.encoder_channels(n_enc - 1);
  snake(b, "encoder.block." + std::to_string(n_enc + 1) + ".alpha", enc_out);
  conv(b, "encoder.block." + std::to_string(n_enc + 2) + ".conv.", {latent, enc_out, 3});

  b.block = "codec.quantizer.vq";
  vq(b, "quantizer.semantic_quantizer.quantizers.0.", latent, c.codebook_dim, c.semantic_codebook_size);
  for (int64_t q = 0; q < c.n_codebooks; ++q) {
    vq(b, "quantizer.quantizer.quantizers." + std::to_string(q) + ".", latent, c.codebook_dim, c.codebook_size);
  }
  b.block = "codec.quantizer.downsample";
  for (size_t i = 0; i < c.downsample_factor.size(); ++i) {
    const std::string p = "quantizer.downsample." + std::to_string(i) + ".";
    b.add(p + "0.conv.weight", {latent, latent, c.downsample_factor[i]});
    b.add(p + "0.conv.bias", {latent});
    convnext(b, p + "1.", latent);
  }
  b.block = "codec.quantizer.upsample";
  for (size_t i = 0; i < c.downsample_factor.size(); ++i) {  // mirrors the downsampling
    const std::string p = "quantizer.upsample." + std::to_string(i) + ".";
    b.add(p + "0.conv.weight", {latent, latent, c.downsample_factor[c.downsample_factor.size() - 1 - i]});
    b.add(p + "0.conv.bias", {latent});
    convnext(b, p + "1.", latent);
  }
  for (auto [name, m] : {std::pair<const char*, const CodecTransformerConfig*>{"pre_module", &c.pre_module}, {"post_module", &c.post_module}}) {
    b.block = std::string("codec.quantizer.") + name;
    codec_transformer(b, std::string("quantizer.") + name + ".", m->n_layer, m->dim, m->n_head, m->n_local_heads,
                      m->head_dim, m->intermediate_size, m->block_size);
  }

  b.block = "codec.decoder";
  conv(b, "decoder.model.0.conv.", {c.decoder_dim, latent, 7});
  for (size_t i = 0; i < n_dec; ++i) {
    const std::string p = "decoder.model." + std::to_string(i + 1) + ".block.";
    const int64_t cin = i == 0 ? c.decoder_dim : c.decoder_channels(i - 1);
    const int64_t cout = c.decoder_channels(i);
    snake(b, p + "0.alpha", cin);
    transposed_conv(b, p + "1.conv.", {cin, cout, 2 * c.decoder_rates[i]});
    for (int j = 0; j < 3; ++j) residual_unit(b, p + std::to_string(j + 2) + ".", cout);
  }
  const int64_t dec_out = c.decoder_channels(n_dec - 1);
  snake(b, "decoder.model." + std::to_string(n_dec + 1) + ".alpha", dec_out);
  conv(b, "decoder.model." + std::to_string(n_dec + 2) + ".conv.", {1, dec_out, 7});
  return std::move(b.set);
}

}  // namespace fishtts::checkpoint
