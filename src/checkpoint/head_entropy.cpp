#include "checkpoint/head_entropy.h"

#include <cmath>

#include "common/error.h"

namespace fishtts::checkpoint {

double trained_entropy_logit_std(int64_t classes) {
  if (classes < 2) throw Error(ErrorCode::kInvalidArgument, "a head needs at least 2 classes, got " + std::to_string(classes));
  return std::sqrt(2.0 * std::log(static_cast<double>(classes))) / kFrozenFraction;
}

std::vector<HeadScale> trained_entropy_heads(const Preset& preset, double norm_gain) {
  if (!(norm_gain > 0)) throw Error(ErrorCode::kInvalidArgument, "final norm gain must be positive");
  const LlmConfig& c = preset.llm;
  auto head = [&](std::string tensor, int64_t fan_in, int64_t classes) {
    HeadScale h{std::move(tensor), fan_in, classes, trained_entropy_logit_std(classes), 0};
    h.weight_std = h.logit_std / (norm_gain * std::sqrt(static_cast<double>(fan_in)));
    return h;
  };
  // Slow: the semantic sample space (the default) scores codebook_size semantic tokens and <|im_end|>.
  // Fast: codebooks 1.. are sampled from the codec's codebook_size rows (spec 2.6).
  return {head(c.tie_word_embeddings ? "embeddings.weight" : "output.weight", c.dim, c.codebook_size + 1),
          head("fast_output.weight", c.fast_dim, preset.codec.codebook_size)};
}

}  // namespace fishtts::checkpoint
