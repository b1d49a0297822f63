// How far a reduced-precision variant lands from fp32 on the same inputs: logit cosine, top-1 agreement and the
// KL divergence of the softmax distributions for the transformers (prefill logits and teacher-forced decode
// steps, slow and fast), SNR for the codec.
// The fp32 figures are written to a folder by the fp32 run and read by the others (they run in other processes).
#pragma once

#include <filesystem>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "lm/llm_model.h"

namespace fishtts::cli::bench {

struct LogitSample {
  std::vector<std::vector<float>> slow;  // prefill, then each decode step
  std::vector<std::vector<float>> fast;  // each fast call of each of those frames
};

// Prefills `prompt`, then feeds `steps` fixed columns; after each slow call runs one fast pass with fixed codes.
LogitSample capture_logits(const lm::LlmModel& model, const text::IntMatrix& prompt, int steps);

void save_logits(const LogitSample& sample, const std::filesystem::path& dir);
// Throws Error(kNotFound) when the fp32 reference has not been written.
LogitSample load_logits(const std::filesystem::path& dir);

// Per transformer (slow_*, fast_*): cosine (mean), cosine_min, top1 (agreement), kl (mean KL(p_fp32 || p_other),
// nats), kl_max, fp32_p_top1 (the reference's mean top-1 probability) and vectors (how many were compared).
// Throws Error(kInvalidArgument) when the two samples differ in shape.
nlohmann::json compare_logits(const LogitSample& reference, const LogitSample& other);

// {snr_db (null when identical), max_abs_diff}; throws Error(kInvalidArgument) for different lengths.
nlohmann::json compare_audio(std::span<const float> reference, std::span<const float> other);

}  // namespace fishtts::cli::bench
