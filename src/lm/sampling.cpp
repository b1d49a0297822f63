#include "lm/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "common/error.h"

namespace fishtts::lm {
namespace {

void check_range(const char* name, float value, float lo_exclusive, float hi_inclusive) {
  if (!(value > lo_exclusive && value <= hi_inclusive)) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be in (" + std::to_string(lo_exclusive) +
                                                 ", " + std::to_string(hi_inclusive) + "], got " +
                                                 std::to_string(value));
  }
}

// Descending by logit, lower index first among equals, so the order is deterministic.
struct ByLogitDesc {
  std::span<const float> z;
  bool operator()(int32_t a, int32_t b) const { return z[a] > z[b] || (z[a] == z[b] && a < b); }
};

}  // namespace

void SamplingParams::validate() const {
  check_range("temperature", temperature, 0.0f, 2.0f);
  check_range("top_p", top_p, 0.0f, 1.0f);
  check_range("repetition_penalty", repetition_penalty, 0.0f, 2.0f);
}

std::string SamplingParams::describe() const {
  return (greedy ? std::string("greedy") : "temperature=" + std::to_string(temperature) + " top_p=" + std::to_string(top_p)) +
         " repetition_penalty=" + std::to_string(repetition_penalty);
}

float Rng::exponential() {
  // 53 random bits -> u in (0, 1]; -log(u) is then in [0, 37]: never infinite. A zero would make p/q infinite
  // for whichever candidate drew it, so it is nudged to the smallest positive float.
  double u = static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53;
  float q = static_cast<float>(-std::log(u));
  return q > 0.0f ? q : std::numeric_limits<float>::min();
}

void apply_repetition_penalty(std::span<float> logits, std::span<const int32_t> history, float penalty) {
  if (history.empty()) return;
  std::unordered_set<int32_t> seen;
  seen.reserve(history.size() * 2);
  const auto n = static_cast<int64_t>(logits.size());
  for (int32_t h : history) {
    if (h < 0 || h >= n || !seen.insert(h).second) continue;
    float& z = logits[static_cast<std::size_t>(h)];
    z = z < 0.0f ? z * penalty : z / penalty;
  }
}

Candidates top_p_candidates(std::span<const float> logits, float top_p) {
  if (logits.empty()) throw Error(ErrorCode::kInvalidArgument, "cannot sample from an empty logit vector");
  const std::size_t n = logits.size();

  // Softmax normaliser over the full vector: the cumulative sum is of the untempered distribution.
  float max_z = -std::numeric_limits<float>::infinity();
  for (float z : logits) max_z = std::max(max_z, z);
  if (!std::isfinite(max_z)) throw Error(ErrorCode::kBadFormat, "logits have no finite maximum (NaN or all -inf)");
  double denom = 0.0;
  for (float z : logits) denom += std::exp(static_cast<double>(z) - max_z);

  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  ByLogitDesc cmp{logits};

  // Order only as many entries as top-p can keep: grow the sorted prefix until the mass crosses top_p.
  std::size_t sorted = 0;
  std::size_t keep = 0;
  double cum = 0.0;
  bool crossed = false;
  while (!crossed && keep < n) {
    std::size_t want = std::min(n, std::max<std::size_t>(64, sorted * 4));
    std::partial_sort(order.begin() + static_cast<std::ptrdiff_t>(sorted),
                      order.begin() + static_cast<std::ptrdiff_t>(want), order.end(), cmp);
    sorted = want;
    for (; keep < sorted; ++keep) {
      cum += std::exp(static_cast<double>(logits[static_cast<std::size_t>(order[keep])]) - max_z) / denom;
      if (keep > 0 && static_cast<float>(cum) > top_p) {
        crossed = true;
        break;
      }
    }
  }

  Candidates c;
  c.index.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(keep, 1)));
  c.logit.reserve(c.index.size());
  for (int32_t i : c.index) c.logit.push_back(logits[static_cast<std::size_t>(i)]);
  return c;
}

int32_t draw(const Candidates& candidates, float temperature, Rng& rng) {
  if (candidates.size() == 0) throw Error(ErrorCode::kInternal, "draw() called with no candidates");
  const float t = std::max(temperature, 1e-5f);
  // p_i / q_i compared across i: the softmax normaliser is common to all, so exp(z_i/t - max) suffices.
  const float max_scaled = candidates.logit[0] / t;  // candidates are sorted descending
  int32_t best = candidates.index[0];
  float best_score = -1.0f;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    float p = std::exp(candidates.logit[i] / t - max_scaled);
    float score = p / rng.exponential();
    if (score > best_score) {
      best_score = score;
      best = candidates.index[i];
    }
  }
  return best;
}

Sampler::Sampler(const SamplingParams& params, std::uint64_t seed) : params_(params), rng_(seed) {
  params_.validate();
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history) {
  apply_repetition_penalty(logits, history, params_.repetition_penalty);
  if (params_.greedy) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());  // first max
  }
  Candidates c = top_p_candidates(logits, params_.top_p);
  return draw(c, params_.temperature, rng_);
}

}  // namespace fishtts::lm
