#include "checkpoint/presets.h"

#include "checkpoint/special_tokens.h"
#include "common/error.h"

namespace fishtts::checkpoint {

int64_t vocab_rows(int64_t bpe_ranks, int64_t codebook_size) {
  const int64_t used = bpe_ranks + static_cast<int64_t>(control_tokens().size()) + codebook_size;
  return (used + 63) / 64 * 64;
}

namespace {

LlmConfig s1_mini_llm() {
  LlmConfig c;
  c.n_layer = 28;
  c.n_head = 16;
  c.n_local_heads = 8;
  c.head_dim = 128;
  c.dim = 1024;
  c.intermediate_size = 3072;
  c.rope_base = 1000000;
  c.norm_eps = 1e-6;
  c.max_seq_len = 8192;
  c.tie_word_embeddings = false;
  c.attention_qk_norm = true;
  c.codebook_size = 4096;
  c.num_codebooks = 10;
  c.initializer_range = 0.03125;
  c.scale_codebook_embeddings = true;
  c.n_fast_layer = 4;
  c.fast_dim = 1024;
  c.fast_n_head = 16;
  c.fast_n_local_heads = 8;
  c.fast_head_dim = 64;
  c.fast_intermediate_size = 3072;
  c.fast_attention_qk_norm = false;
  return c;
}

LlmConfig tiny_llm() {
  LlmConfig c = s1_mini_llm();
  c.n_layer = 2;
  c.n_head = 4;
  c.n_local_heads = 2;
  c.head_dim = 32;
  c.dim = 64;
  c.intermediate_size = 192;
  c.initializer_range = 0.125;
  c.n_fast_layer = 2;
  c.fast_dim = 64;
  c.fast_n_head = 4;
  c.fast_n_local_heads = 2;
  c.fast_head_dim = 16;
  c.fast_intermediate_size = 192;
  return c;
}

// Head sizes that are not multiples of 16 (ORT's GroupQueryAttention takes only those): every head size a
// checkpoint can hold must convert and generate.
LlmConfig tiny_odd_heads_llm() {
  LlmConfig c = tiny_llm();
  c.head_dim = 40;
  c.fast_head_dim = 24;
  return c;
}

CodecConfig tiny_codec() {
  CodecConfig c;
  c.from_file = true;
  c.encoder_dim = 8;
  c.decoder_dim = 64;
  c.encoder_transformer_layers = {0, 0, 0, 1};
  c.decoder_transformer_layers = {1, 0, 0, 0};
  c.general_block_size = 1024;
  c.latent_dim = 128;
  for (CodecTransformerConfig* m : {&c.pre_module, &c.post_module}) {
    m->window_size = 8;
    m->block_size = 256;
    m->n_layer = 2;
    m->n_head = 2;
    m->n_local_heads = 2;
    m->dim = 128;
    m->intermediate_size = 384;
    m->head_dim = 64;
  }
  return c;
}

}  // namespace

Preset preset_by_name(const std::string& name) {
  Preset p;
  p.name = name;
  if (name == "s1-mini") {
    p.llm = s1_mini_llm();
    p.codec = CodecConfig::s1_defaults();
    p.bpe_ranks = 151643;
    p.write_codec_config = false;
  } else if (name == "tiny") {
    p.llm = tiny_llm();
    p.codec = tiny_codec();
    p.bpe_ranks = 784;
  } else if (name == "tiny-odd-heads") {
    p.llm = tiny_odd_heads_llm();
    p.codec = tiny_codec();
    p.bpe_ranks = 784;
  } else {
    throw Error(ErrorCode::kInvalidArgument, "unknown preset " + name + " (known: tiny, tiny-odd-heads, s1-mini)");
  }
  p.llm.vocab_size = vocab_rows(p.bpe_ranks, p.llm.codebook_size);
  p.llm.validate("preset " + name);
  p.codec.validate("preset " + name);
  return p;
}

}  // namespace fishtts::checkpoint
