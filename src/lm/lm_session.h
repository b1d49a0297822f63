// What the generation loop needs from a DualAR model, per request. The ONNX Runtime implementation owns the KV
// caches and positions; tests drive the loop with scripted fakes. One method per graph call (house style 4).
#pragma once

#include <cstdint>
#include <span>

#include "text/prompt.h"

namespace fishtts::lm {

struct SlowResult {
  std::span<const float> logits;  // in the model's SlowLogitSpace
  std::span<const float> hidden;  // pre-norm hidden state of the last position (the fast transformer's input)
};

class LmSession {
 public:
  virtual ~LmSession() = default;

  // Runs the whole prompt [num_codebooks + 1, T] from position 0.
  virtual SlowResult prefill(const text::IntMatrix& prompt) = 0;
  // Feeds one generated column (token id, then the codes) at the next position.
  virtual SlowResult step(std::span<const int32_t> column) = 0;
  // Starts a frame's fast pass: position 0 = hidden, position 1 = the semantic code c0.
  // Returns the logits that predict codebook 1.
  virtual std::span<const float> fast_begin(std::span<const float> hidden, int32_t c0) = 0;
  // Feeds code c_k and returns the logits that predict codebook k + 1.
  virtual std::span<const float> fast_next(int32_t code) = 0;
};

}  // namespace fishtts::lm
