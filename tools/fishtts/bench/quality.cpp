#include "bench/quality.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/softmax_stats.h"
#include "io/npy.h"

namespace fishtts::cli::bench {
namespace {

void append(std::vector<std::vector<float>>& to, std::span<const float> logits) {
  to.emplace_back(logits.begin(), logits.end());
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : (aa == bb ? 1.0 : 0.0);
}

std::size_t argmax(const std::vector<float>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Mean and minimum cosine, the fraction of vectors whose argmax agrees, the mean KL(p_fp32 || p_variant) of their
// softmax distributions, and the fp32 mean top-1 probability (how peaked the reference is: near 1/N on plain
// random weights, where top-1 agreement means little; 0.3-0.7 on a --trained-entropy checkpoint).
void compare_set(const std::vector<std::vector<float>>& ref, const std::vector<std::vector<float>>& got,
                 const std::string& name, nlohmann::json& out) {
  if (ref.size() != got.size() || ref.empty()) {
    throw Error(ErrorCode::kInvalidArgument, name + " logits: " + std::to_string(got.size()) + " vectors vs " +
                                                 std::to_string(ref.size()) + " in the fp32 reference");
  }
  double sum = 0, low = 1, agree = 0, kl = 0, kl_max = 0, p_top1 = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i].size() != got[i].size()) {
      throw Error(ErrorCode::kInvalidArgument, name + " logits " + std::to_string(i) + ": " +
                                                   std::to_string(got[i].size()) + " values vs " +
                                                   std::to_string(ref[i].size()) + " in the fp32 reference");
    }
    const double c = cosine(ref[i], got[i]);
    sum += c;
    low = std::min(low, c);
    agree += argmax(ref[i]) == argmax(got[i]) ? 1 : 0;
    const double d = softmax_kl_divergence(ref[i], got[i]);
    kl += d;
    kl_max = std::max(kl_max, d);
    p_top1 += top1_probability(ref[i]);
  }
  const double n = static_cast<double>(ref.size());
  out[name + "_cosine"] = sum / n;
  out[name + "_cosine_min"] = low;
  out[name + "_top1"] = agree / n;
  out[name + "_kl"] = kl / n;
  out[name + "_kl_max"] = kl_max;
  out[name + "_fp32_p_top1"] = p_top1 / n;
  out[name + "_vectors"] = ref.size();
}

void save_rows(const std::vector<std::vector<float>>& rows, const std::filesystem::path& path) {
  std::vector<float> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  io::write_npy(path, io::make_npy({rows.size(), rows.empty() ? 0 : rows[0].size()}, std::span<const float>(flat)));
}

std::vector<std::vector<float>> load_rows(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw Error(ErrorCode::kNotFound, path.string() + ": the fp32 reference logits are missing (run fp32 first)");
  }
  const io::NpyArray a = io::read_npy(path);
  const std::vector<float> flat = io::npy_to_float32(a, path.string());
  if (a.shape.size() != 2) throw Error(ErrorCode::kBadFormat, path.string() + ": expected a 2-D array");
  std::vector<std::vector<float>> rows;
  for (std::size_t r = 0; r < a.shape[0]; ++r) {
    const auto begin = flat.begin() + static_cast<std::ptrdiff_t>(r * a.shape[1]);
    rows.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(a.shape[1]));
  }
  return rows;
}

}  // namespace

LogitSample capture_logits(const lm::LlmModel& model, const text::IntMatrix& prompt, int steps) {
  const lm::LlmInfo& info = model.info();
  const lm::GeneratorLayout& layout = info.layout;
  auto session = model.new_session(static_cast<int>(prompt.cols) + steps + 1);
  LogitSample sample;
  std::vector<int32_t> column(static_cast<std::size_t>(info.num_codebooks + 1));
  auto fast_pass = [&](std::span<const float> hidden, int step) {
    // Fixed codes, so every precision sees the same inputs (teacher forcing).
    append(sample.fast, session->fast_begin(hidden, (17 * step + 3) % layout.slow.semantic_count));
    for (int k = 2; k < info.num_codebooks; ++k) {
      append(sample.fast, session->fast_next((31 * step + 7 * k) % layout.residual_codebook_size));
    }
  };
  lm::SlowResult slow = session->prefill(prompt);
  append(sample.slow, slow.logits);
  fast_pass(slow.hidden, 0);
  for (int step = 1; step <= steps; ++step) {
    const int32_t c0 = (17 * step + 3) % layout.slow.semantic_count;
    column[0] = layout.slow.semantic_begin_id + c0;
    column[1] = c0;
    for (int k = 1; k < info.num_codebooks; ++k) column[static_cast<std::size_t>(k + 1)] = (31 * step + 7 * k) % layout.residual_codebook_size;
    slow = session->step(column);
    append(sample.slow, slow.logits);
    fast_pass(slow.hidden, step);
  }
  return sample;
}

void save_logits(const LogitSample& sample, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  save_rows(sample.slow, dir / "slow_logits.npy");
  save_rows(sample.fast, dir / "fast_logits.npy");
}

LogitSample load_logits(const std::filesystem::path& dir) {
  return {load_rows(dir / "slow_logits.npy"), load_rows(dir / "fast_logits.npy")};
}

nlohmann::json compare_logits(const LogitSample& reference, const LogitSample& other) {
  nlohmann::json out = nlohmann::json::object();
  compare_set(reference.slow, other.slow, "slow", out);
  compare_set(reference.fast, other.fast, "fast", out);
  return out;
}

nlohmann::json compare_audio(std::span<const float> reference, std::span<const float> other) {
  if (reference.size() != other.size()) {
    throw Error(ErrorCode::kInvalidArgument, "codec output: " + std::to_string(other.size()) + " samples vs " +
                                                 std::to_string(reference.size()) + " from fp32");
  }
  double signal = 0, noise = 0, worst = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double d = static_cast<double>(other[i]) - reference[i];
    signal += static_cast<double>(reference[i]) * reference[i];
    noise += d * d;
    worst = std::max(worst, std::abs(d));
  }
  nlohmann::json out = {{"max_abs_diff", worst}};
  out["snr_db"] = noise > 0 ? nlohmann::json(10 * std::log10(signal / noise)) : nlohmann::json(nullptr);
  return out;
}

}  // namespace fishtts::cli::bench
