// `make-checkpoint --trained-entropy`: output heads scaled so a random checkpoint's logits are as peaked as a
// trained model's (top-1 probability around 0.3-0.7 on typical steps, not ~1/vocab), so that quality figures
// between precisions (top-1 agreement, KL divergence) mean something. Only the head rows' scale changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/presets.h"

namespace fishtts::checkpoint {

struct HeadScale {
  std::string tensor;  // output.weight (embeddings.weight when tied) or fast_output.weight
  int64_t fan_in = 0;      // the head's input width (dim / fast_dim)
  int64_t classes = 0;     // rows the default sampler chooses among (semantic tokens + <|im_end|>; residual codes)
  double logit_std = 0;    // target standard deviation of one logit
  double weight_std = 0;   // the head's init std that gives it
};

// Logits W·h with iid rows are iid Gaussians of std sigma = weight_std * |h|. Over N classes their softmax is a
// Random Energy Model: it "freezes" (a few classes carry the mass) above sigma_c = sqrt(2 ln N), and its top-1
// probability then depends on m = sigma_c / sigma only, not on N. m = 0.8 puts the median top-1 probability near
// 0.45 with quartiles ~0.3 and ~0.65 (simulated for N = 1024 and 4096), the band of a trained LM's typical step.
constexpr double kFrozenFraction = 0.8;
double trained_entropy_logit_std(int64_t classes);

// The two heads' scales for `preset`, whose final norms have gain `norm_gain` (RMSNorm output has RMS = the
// gain, so |h| = norm_gain * sqrt(fan_in)).
std::vector<HeadScale> trained_entropy_heads(const Preset& preset, double norm_gain);

}  // namespace fishtts::checkpoint
