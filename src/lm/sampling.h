// S1's sampler as a chain of small units (spec 3.5), each usable and testable on its own:
//   repetition penalty -> top-p on the untempered distribution -> temperature -> exponential-race draw.
// Units work in "logit index" space; mapping indices to token ids (e.g. the semantic-only head) is the
// caller's business. Scalars are float, as upstream keeps them in fp32 tensors.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace fishtts::lm {

struct SamplingParams {
  float temperature = 0.8f;         // (0, 2]; S1 API default 0.8
  float top_p = 0.8f;               // (0, 1]; S1 API default 0.8
  float repetition_penalty = 1.1f;  // (0, 2]; S1 API default 1.1; 1 = off
  bool greedy = false;              // argmax of the penalised logits (top-p, temperature and RNG unused)

  // Throws fishtts::Error(kInvalidArgument) naming the field, its value and the allowed range.
  void validate() const;
  std::string describe() const;
};

// The surviving entries after top-p, in descending logit order (ties: lower index first).
struct Candidates {
  std::vector<int32_t> index;
  std::vector<float> logit;
  std::size_t size() const { return index.size(); }
};

// Deterministic, portable random stream: std::mt19937_64's output is fixed by the C++ standard, and the
// exponential variate is derived from it here (std:: distributions differ between standard libraries).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  // Exponential(1) variate, strictly positive and finite.
  float exponential();

 private:
  std::mt19937_64 engine_;
};

// Step 1: for each distinct index h in `history` (indices outside the logits are ignored):
// z[h] *= penalty if z[h] < 0, else z[h] /= penalty. A repeated index is penalised once, as upstream's
// gather-then-scatter does.
void apply_repetition_penalty(std::span<float> logits, std::span<const int32_t> history, float penalty);

// Step 2: sort descending, keep the prefix whose cumulative softmax probability is <= top_p (the entry that
// crosses top_p is dropped, the top-1 is always kept). Computes only as much of the order as it needs.
Candidates top_p_candidates(std::span<const float> logits, float top_p);

// Steps 3-5: z / max(temperature, 1e-5), softmax, then argmax_i p_i / q_i with q_i ~ Exponential(1)
// (an exact categorical draw). Returns the chosen logit index.
int32_t draw(const Candidates& candidates, float temperature, Rng& rng);

// The whole chain. `history` is the repetition-penalty window (empty = no penalty).
class Sampler {
 public:
  Sampler(const SamplingParams& params, std::uint64_t seed);
  int32_t sample(std::span<float> logits, std::span<const int32_t> history);
  const SamplingParams& params() const { return params_; }

 private:
  SamplingParams params_;
  Rng rng_;
};

}  // namespace fishtts::lm
