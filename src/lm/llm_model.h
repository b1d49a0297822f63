// The converted DualAR model loaded into ONNX Runtime: the two sessions and the numbers from llm.json.
// Immutable and shared; every request gets its own LmSession (KV caches, positions) from new_session().
#pragma once

#include <onnxruntime_cxx_api.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hw/engine_settings.h"
#include "lm/frame_generator.h"
#include "lm/lm_session.h"

namespace fishtts::lm {

struct StackKvShape {
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_kv_head = 0;
  int64_t head_dim = 0;
  int64_t kv_head_dim = 0;  // the KV cache's (head_dim padded for the attention kernel, llm_layers.h)
  int64_t dim = 0;
  int64_t ffn = 0;
  int64_t head_rows = 0;  // logits per call

  // Matmul weights one call reads: every layer's wqkv, wo, w1, w3, w2, plus the head.
  double matmul_weights() const;
};

struct LlmInfo {
  StackKvShape slow;
  StackKvShape fast;
  int num_codebooks = 0;
  int max_seq_len = 0;
  std::string precision;
  GeneratorLayout layout;

  static LlmInfo from_json(const nlohmann::json& j, const std::string& where);
  // Weight bytes one frame streams from memory: one slow step, num_codebooks - 1 fast calls.
  double weight_bytes_per_frame() const;
};

class LlmModel {
 public:
  // Loads <bundle_dir>/llm.json, slow.onnx and fast.onnx with session options from `settings`.
  static std::shared_ptr<const LlmModel> load(const std::string& bundle_dir, const hw::EngineSettings& settings);

  const LlmInfo& info() const { return info_; }
  // A request's state, with KV caches for `capacity` slow positions (prompt + budget; <= max_seq_len).
  std::unique_ptr<LmSession> new_session(int capacity) const;

  Ort::Session& slow() const { return *slow_; }
  Ort::Session& fast() const { return *fast_; }

 private:
  LlmInfo info_;
  std::unique_ptr<Ort::Session> slow_;
  std::unique_ptr<Ort::Session> fast_;
};

}  // namespace fishtts::lm
