// Statistics of the softmax distribution of a logit vector, in double precision: the top-1 probability (how
// peaked a model is) and the KL divergence between two such distributions (how far a reduced precision moves
// it). The bench's quality pass and the trained-entropy checkpoint's tests measure with these.
#pragma once

#include <span>

namespace fishtts {

// max_i softmax(logits)_i. Throws Error(kInvalidArgument) for an empty vector.
double top1_probability(std::span<const float> logits);

// KL(softmax(p) || softmax(q)) = sum_i p_i (log p_i - log q_i), in nats; 0 for identical logits.
// Throws Error(kInvalidArgument) when the sizes differ or are 0.
double softmax_kl_divergence(std::span<const float> p_logits, std::span<const float> q_logits);

}  // namespace fishtts
