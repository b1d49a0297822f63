#include "common/softmax_stats.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace fishtts {
namespace {

// log sum_i exp(x_i), shifted by the maximum so nothing overflows.
double log_sum_exp(std::span<const float> x) {
  const double top = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (float v : x) sum += std::exp(static_cast<double>(v) - top);
  return top + std::log(sum);
}

}  // namespace

double top1_probability(std::span<const float> logits) {
  if (logits.empty()) throw Error(ErrorCode::kInvalidArgument, "top-1 probability of an empty logit vector");
  return std::exp(static_cast<double>(*std::max_element(logits.begin(), logits.end())) - log_sum_exp(logits));
}

double softmax_kl_divergence(std::span<const float> p_logits, std::span<const float> q_logits) {
  if (p_logits.empty() || p_logits.size() != q_logits.size()) {
    throw Error(ErrorCode::kInvalidArgument, "KL divergence of logit vectors of sizes " + std::to_string(p_logits.size()) +
                                                 " and " + std::to_string(q_logits.size()));
  }
  const double lp = log_sum_exp(p_logits), lq = log_sum_exp(q_logits);
  double kl = 0;
  for (std::size_t i = 0; i < p_logits.size(); ++i) {
    const double log_p = p_logits[i] - lp, log_q = q_logits[i] - lq;
    kl += std::exp(log_p) * (log_p - log_q);
  }
  return kl;
}

}  // namespace fishtts
