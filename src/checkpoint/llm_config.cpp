#include "checkpoint/llm_config.h"

#include "checkpoint/json_fields.h"
#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

int64_t find_multiple(int64_t n, int64_t k) { return n % k == 0 ? n : n + k - n % k; }

}  // namespace

LlmConfig LlmConfig::from_json(const nlohmann::json& json, const std::string& where) {
  LlmConfig c;
  JsonFields f(json, where);
  if (auto v = f.string("model_type")) c.model_type = *v;
  if (auto v = f.integer("vocab_size")) c.vocab_size = *v;
  if (auto v = f.integer("n_layer")) c.n_layer = *v;
  if (auto v = f.integer("n_head")) c.n_head = *v;
  if (auto v = f.integer("n_local_heads")) c.n_local_heads = *v;
  if (auto v = f.integer("head_dim")) c.head_dim = *v;
  if (auto v = f.integer("dim")) c.dim = *v;
  if (auto v = f.integer("intermediate_size")) c.intermediate_size = *v;
  if (auto v = f.number("rope_base")) c.rope_base = *v;
  if (auto v = f.number("norm_eps")) c.norm_eps = *v;
  if (auto v = f.integer("max_seq_len")) c.max_seq_len = *v;
  if (auto v = f.number("dropout")) c.dropout = *v;
  if (auto v = f.boolean("tie_word_embeddings")) c.tie_word_embeddings = *v;
  if (auto v = f.boolean("attention_qkv_bias")) c.attention_qkv_bias = *v;
  if (auto v = f.boolean("attention_o_bias")) c.attention_o_bias = *v;
  if (auto v = f.boolean("attention_qk_norm")) c.attention_qk_norm = *v;
  if (auto v = f.integer("codebook_size")) c.codebook_size = *v;
  if (auto v = f.integer("num_codebooks")) c.num_codebooks = *v;
  if (auto v = f.number("initializer_range")) c.initializer_range = *v;
  if (auto v = f.boolean("is_reward_model")) c.is_reward_model = *v;
  if (auto v = f.boolean("scale_codebook_embeddings")) c.scale_codebook_embeddings = *v;
  if (auto v = f.boolean("use_gradient_checkpointing")) c.use_gradient_checkpointing = *v;
  if (auto v = f.integer("n_fast_layer")) c.n_fast_layer = *v;
  c.fast_dim = f.integer("fast_dim").value_or(0);
  c.fast_n_head = f.integer("fast_n_head").value_or(0);
  c.fast_n_local_heads = f.integer("fast_n_local_heads").value_or(0);
  c.fast_head_dim = f.integer("fast_head_dim").value_or(0);
  c.fast_intermediate_size = f.integer("fast_intermediate_size").value_or(0);
  auto fast_qkv_bias = f.boolean("fast_attention_qkv_bias");
  auto fast_qk_norm = f.boolean("fast_attention_qk_norm");
  auto fast_o_bias = f.boolean("fast_attention_o_bias");
  for (const std::string& name : f.unread()) c.unknown_fields[name] = json[name];

  // Derived values, in upstream's __post_init__ order.
  if (c.n_local_heads == -1) c.n_local_heads = c.n_head;
  if (c.intermediate_size == -1) c.intermediate_size = find_multiple(2 * 4 * c.dim / 3, 256);
  if (c.fast_dim == 0) c.fast_dim = c.dim;
  if (c.fast_n_head == 0) c.fast_n_head = c.n_head;
  if (c.fast_n_local_heads == 0) c.fast_n_local_heads = c.n_local_heads;
  if (c.fast_head_dim == 0) c.fast_head_dim = c.head_dim;
  if (c.fast_intermediate_size == 0) c.fast_intermediate_size = c.intermediate_size;
  c.fast_attention_qkv_bias = fast_qkv_bias.value_or(c.attention_qkv_bias);
  c.fast_attention_qk_norm = fast_qk_norm.value_or(c.attention_qk_norm);
  c.fast_attention_o_bias = fast_o_bias.value_or(c.attention_o_bias);
  c.validate(where);
  return c;
}

LlmConfig LlmConfig::from_file(const std::string& path) { return from_json(read_json_file(path), path); }

void LlmConfig::validate(const std::string& where) const {
  auto require = [&](bool ok, const std::string& field, const std::string& rule, int64_t value) {
    if (!ok) throw Error(ErrorCode::kInvalidArgument, where + ": field " + field + " = " + std::to_string(value) + " must be " + rule);
  };
  if (model_type != "dual_ar") throw Error(ErrorCode::kUnsupported, where + ": model_type " + model_type + " is not supported (expected dual_ar)");
  constexpr int64_t kMax = int64_t{1} << 24;  // keeps every derived product far from overflow
  require(vocab_size > 0 && vocab_size <= kMax, "vocab_size", "in 1..2^24", vocab_size);
  require(n_layer > 0 && n_layer <= 1024, "n_layer", "in 1..1024", n_layer);
  require(n_fast_layer >= 0 && n_fast_layer <= 1024, "n_fast_layer", "in 0..1024", n_fast_layer);
  for (auto [name, v] : {std::pair<const char*, int64_t>{"dim", dim}, {"n_head", n_head}, {"head_dim", head_dim},
                         {"intermediate_size", intermediate_size}, {"fast_dim", fast_dim}, {"fast_n_head", fast_n_head},
                         {"fast_head_dim", fast_head_dim}, {"fast_intermediate_size", fast_intermediate_size},
                         {"codebook_size", codebook_size}, {"num_codebooks", num_codebooks}, {"max_seq_len", max_seq_len}}) {
    require(v > 0 && v <= kMax, name, "in 1..2^24", v);
  }
  require(n_local_heads > 0 && n_head % n_local_heads == 0, "n_local_heads", "a positive divisor of n_head", n_local_heads);
  require(fast_n_local_heads > 0 && fast_n_head % fast_n_local_heads == 0, "fast_n_local_heads", "a positive divisor of fast_n_head", fast_n_local_heads);
  require(num_codebooks * codebook_size <= kMax, "num_codebooks", "such that num_codebooks * codebook_size <= 2^24", num_codebooks);
}

nlohmann::json LlmConfig::to_json() const {
  nlohmann::json j = {
      {"model_type", model_type}, {"vocab_size", vocab_size}, {"n_layer", n_layer}, {"n_head", n_head},
      {"n_local_heads", n_local_heads}, {"head_dim", head_dim}, {"dim", dim}, {"intermediate_size", intermediate_size},
      {"rope_base", rope_base}, {"norm_eps", norm_eps}, {"max_seq_len", max_seq_len}, {"dropout", dropout},
      {"tie_word_embeddings", tie_word_embeddings}, {"attention_qkv_bias", attention_qkv_bias},
      {"attention_o_bias", attention_o_bias}, {"attention_qk_norm", attention_qk_norm},
      {"codebook_size", codebook_size}, {"num_codebooks", num_codebooks}, {"initializer_range", initializer_range},
      {"is_reward_model", is_reward_model}, {"scale_codebook_embeddings", scale_codebook_embeddings},
      {"use_gradient_checkpointing", use_gradient_checkpointing}, {"n_fast_layer", n_fast_layer},
      {"fast_dim", fast_dim}, {"fast_n_head", fast_n_head}, {"fast_n_local_heads", fast_n_local_heads},
      {"fast_head_dim", fast_head_dim}, {"fast_intermediate_size", fast_intermediate_size},
      {"fast_attention_qkv_bias", fast_attention_qkv_bias}, {"fast_attention_qk_norm", fast_attention_qk_norm},
      {"fast_attention_o_bias", fast_attention_o_bias}};
  // rope_base is an int in upstream's file
  if (rope_base == static_cast<double>(static_cast<int64_t>(rope_base))) j["rope_base"] = static_cast<int64_t>(rope_base);
  return j;
}

}  // namespace fishtts::checkpoint
