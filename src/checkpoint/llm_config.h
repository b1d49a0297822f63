// config.json of a DualAR (S1) checkpoint: typed, with upstream's defaults and derived values (spec 1.2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fishtts::checkpoint {

struct LlmConfig {
  std::string model_type = "dual_ar";
  int64_t vocab_size = 32000;
  int64_t n_layer = 32;
  int64_t n_head = 32;
  int64_t n_local_heads = -1;   // -1 -> n_head
  int64_t head_dim = 64;
  int64_t dim = 4096;
  int64_t intermediate_size = -1;  // absent -> find_multiple(int(2 * 4 * dim / 3), 256), as upstream
  double rope_base = 10000;
  double norm_eps = 1e-5;
  int64_t max_seq_len = 2048;
  double dropout = 0.0;
  bool tie_word_embeddings = true;
  bool attention_qkv_bias = false;
  bool attention_o_bias = false;
  bool attention_qk_norm = false;
  int64_t codebook_size = 160;
  int64_t num_codebooks = 4;
  double initializer_range = 0.02;
  bool is_reward_model = false;
  bool scale_codebook_embeddings = false;
  bool use_gradient_checkpointing = true;
  // Fast transformer: absent/null/0 inherit the slow value (`x or slow_x`); the booleans inherit only when null.
  int64_t n_fast_layer = 4;
  int64_t fast_dim = 0;
  int64_t fast_n_head = 0;
  int64_t fast_n_local_heads = 0;
  int64_t fast_head_dim = 0;
  int64_t fast_intermediate_size = 0;
  bool fast_attention_qkv_bias = false;
  bool fast_attention_qk_norm = false;
  bool fast_attention_o_bias = false;

  // Fields of the file this struct does not know (kept, reported by inspect; upstream S1 would refuse them).
  nlohmann::json unknown_fields = nlohmann::json::object();

  // Parses and derives; throws Error(kBadFormat) naming the field on a wrong type and kInvalidArgument
  // naming the field on an impossible value. `where` names the source in messages.
  static LlmConfig from_json(const nlohmann::json& json, const std::string& where = "config.json");
  static LlmConfig from_file(const std::string& path);
  nlohmann::json to_json() const;  // every field, resolved, sorted keys (as upstream saves it)
  void validate(const std::string& where = "config.json") const;

  int64_t q_rows() const { return n_head * head_dim; }
  int64_t kv_rows() const { return n_local_heads * head_dim; }
  int64_t fast_q_rows() const { return fast_n_head * fast_head_dim; }
  int64_t fast_kv_rows() const { return fast_n_local_heads * fast_head_dim; }
};

}  // namespace fishtts::checkpoint
