// LmSession on ONNX Runtime: owns one request's KV caches and binds them in place (GQA's past-present share
// buffer), so a step never copies the cache. One method per graph call.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <vector>

#include "lm/llm_model.h"
#include "lm/lm_session.h"

namespace fishtts::lm {

class OrtLmSession final : public LmSession {
 public:
  OrtLmSession(const LlmModel& model, int capacity);

  SlowResult prefill(const text::IntMatrix& prompt) override;
  SlowResult prefill_after(const KvPrefix& prefix, const text::IntMatrix& prompt) override;
  std::shared_ptr<const KvPrefix> save_prefix(int positions) const override;
  SlowResult step(std::span<const int32_t> column) override;
  std::span<const float> fast_begin(std::span<const float> hidden, int32_t c0) override;
  std::span<const float> fast_next(int32_t code) override;

 private:
  // A stack's KV buffers and the binding that keeps them in place across calls.
  struct Stack {
    std::vector<std::vector<float>> buffers;  // key, value per layer
    std::vector<Ort::Value> values;
    Ort::IoBinding binding;
    explicit Stack(Ort::Session& s) : binding(s) {}
  };
  void init_stack(Stack& stack, const StackKvShape& shape, int64_t capacity);
  SlowResult run_slow(std::span<const int64_t> tokens, std::span<const int64_t> codes, int64_t seq);
  // Columns [from, prompt.cols) of the prompt at positions from.. .
  SlowResult prefill_columns(const text::IntMatrix& prompt, std::size_t from);
  std::span<const float> run_fast(std::span<const float> hidden, std::span<const int64_t> codes);

  const LlmModel& model_;
  int capacity_;
  int position_ = 0;       // slow positions filled
  int fast_position_ = 0;  // fast positions filled in the current frame
  Ort::MemoryInfo cpu_;
  Stack slow_;
  Stack fast_;
  std::vector<float> logits_, hidden_, fast_logits_;
  Ort::Value logits_value_{nullptr}, hidden_value_{nullptr}, fast_logits_value_{nullptr};
  std::vector<int64_t> tokens_, codes_;
};

}  // namespace fishtts::lm
