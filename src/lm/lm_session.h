// What the generation loop needs from a DualAR model, per request. The ONNX Runtime implementation owns the KV
// caches and positions; tests drive the loop with scripted fakes. One method per graph call (house style 4).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "text/prompt.h"

namespace fishtts::lm {

struct SlowResult {
  std::span<const float> logits;  // in the model's SlowLogitSpace
  std::span<const float> hidden;  // pre-norm hidden state of the last position (the fast transformer's input)
};

// The slow KV cache of a prompt's first `positions` positions, saved from one request and restored into another
// whose prompt starts with the same columns (e.g. the same reference voices): the second skips their prefill.
struct KvPrefix {
  int positions = 0;
  std::vector<std::vector<float>> buffers;  // per cache tensor, [kv_heads, positions, head_dim]
  std::size_t bytes() const {
    std::size_t total = 0;
    for (const auto& b : buffers) total += b.size() * sizeof(float);
    return total;
  }
};

class LmSession {
 public:
  virtual ~LmSession() = default;

  // Runs the whole prompt [num_codebooks + 1, T] from position 0.
  virtual SlowResult prefill(const text::IntMatrix& prompt) = 0;
  // The prompt's prefill when its first prefix.positions columns are those `prefix` was saved from: restores them
  // and runs only the rest. The default (sessions without cache access) prefills everything.
  virtual SlowResult prefill_after(const KvPrefix& prefix, const text::IntMatrix& prompt) {
    (void)prefix;
    return prefill(prompt);
  }
  // Copies the first `positions` cached positions (after a prefill); nullptr when this session cannot.
  virtual std::shared_ptr<const KvPrefix> save_prefix(int positions) const {
    (void)positions;
    return nullptr;
  }
  // Feeds one generated column (token id, then the codes) at the next position.
  virtual SlowResult step(std::span<const int32_t> column) = 0;
  // Starts a frame's fast pass: position 0 = hidden, position 1 = the semantic code c0.
  // Returns the logits that predict codebook 1.
  virtual std::span<const float> fast_begin(std::span<const float> hidden, int32_t c0) = 0;
  // Feeds code c_k and returns the logits that predict codebook k + 1.
  virtual std::span<const float> fast_next(int32_t code) = 0;
};

}  // namespace fishtts::lm
