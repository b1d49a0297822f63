// make-checkpoint --trained-entropy: the softmax statistics it is judged by (top-1 probability, KL divergence,
// on hand-computed cases), the head scales it derives from the sizes, and, through the engine, that its slow and
// fast top-1 probabilities sit in a trained model's band on generated steps while the default checkpoint's do not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "checkpoint/head_entropy.h"
#include "checkpoint/make_checkpoint.h"
#include "checkpoint/weights.h"
#include "common/error.h"
#include "common/softmax_stats.h"
#include "convert/llm_bundle.h"
#include "lm/frame_generator.h"
#include "lm/llm_model.h"
#include "support/golden.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

TEST(SoftmaxStats, TopOneProbabilityOfKnownLogits) {
  EXPECT_NEAR(top1_probability(std::vector<float>{0, 0, 0, 0}), 0.25, 1e-12);
  EXPECT_NEAR(top1_probability(std::vector<float>{std::log(3.0f), 0}), 0.75, 1e-7);
  // Shift-invariant, and no overflow for large logits.
  EXPECT_NEAR(top1_probability(std::vector<float>{1000 + std::log(3.0f), 1000}), 0.75, 1e-5);
  EXPECT_THROW(top1_probability(std::vector<float>{}), Error);
}

TEST(SoftmaxStats, KlDivergenceIsZeroForIdenticalLogitsAndMatchesAHandComputedPair) {
  const std::vector<float> a = {0.3f, -1.2f, 2.5f, 0.0f, 7.0f};
  EXPECT_EQ(softmax_kl_divergence(a, a), 0.0);
  // p = (1/2, 1/2), q = (1/4, 3/4): KL = 1/2 ln 2 + 1/2 ln(2/3) = 1/2 ln(4/3).
  const std::vector<float> p = {0, 0}, q = {0, std::log(3.0f)};
  EXPECT_NEAR(softmax_kl_divergence(p, q), 0.5 * std::log(4.0 / 3.0), 1e-7);
  // Not symmetric: KL(q || p) = 1/4 ln(1/2) + 3/4 ln(3/2).
  EXPECT_NEAR(softmax_kl_divergence(q, p), 0.25 * std::log(0.5) + 0.75 * std::log(1.5), 1e-7);
  // A constant shift of either side leaves the distributions, and so the divergence, unchanged.
  EXPECT_NEAR(softmax_kl_divergence(std::vector<float>{5, 5}, q), 0.5 * std::log(4.0 / 3.0), 1e-6);
  EXPECT_THROW(softmax_kl_divergence(p, std::vector<float>{0, 0, 0}), Error);
}

TEST(HeadEntropy, ScalesComeFromTheSizes) {
  EXPECT_NEAR(checkpoint::trained_entropy_logit_std(4096), std::sqrt(2 * std::log(4096.0)) / 0.8, 1e-12);
  EXPECT_THROW(checkpoint::trained_entropy_logit_std(1), Error);
  for (const char* name : {"tiny", "s1-mini"}) {
    const checkpoint::Preset preset = checkpoint::preset_by_name(name);
    const auto heads = checkpoint::trained_entropy_heads(preset, 1.0);
    ASSERT_EQ(heads.size(), 2u);
    EXPECT_EQ(heads[0].tensor, "output.weight");
    EXPECT_EQ(heads[0].classes, preset.llm.codebook_size + 1);
    EXPECT_EQ(heads[0].fan_in, preset.llm.dim);
    EXPECT_EQ(heads[1].tensor, "fast_output.weight");
    EXPECT_EQ(heads[1].classes, preset.codec.codebook_size);
    for (const auto& h : heads) EXPECT_NEAR(h.weight_std * std::sqrt(double(h.fan_in)), h.logit_std, 1e-12) << name;
  }
  // Tied embeddings: the embedding table is the head.
  checkpoint::Preset tied = checkpoint::preset_by_name("tiny");
  tied.llm.tie_word_embeddings = true;
  EXPECT_EQ(checkpoint::trained_entropy_heads(tied, 1.0)[0].tensor, "embeddings.weight");
  // A norm gain of 2 doubles |h|, so the weights halve.
  EXPECT_NEAR(checkpoint::trained_entropy_heads(tied, 2.0)[1].weight_std,
              checkpoint::trained_entropy_heads(tied, 1.0)[1].weight_std / 2, 1e-12);
}

struct TopOne {
  double slow_median = 0, fast_median = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Generates `frames` frames with the engine's sampler (S1's defaults), then replays the generated columns through
// a fresh session and takes the top-1 probability of every slow and fast logit vector the sampler saw.
TopOne generated_top1(const fs::path& checkpoint_dir, const fs::path& bundle, int frames) {
  convert::LlmConvertOptions options;
  options.graph.weights.precision = hw::Precision::kFp32;
  convert::convert_llm(checkpoint_dir.string(), bundle.string(), options);
  hw::EngineSettings settings;
  settings.intra_op_threads = 1;
  auto model = lm::LlmModel::load(bundle.string(), settings);
  const lm::LlmInfo& info = model->info();
  const text::IntMatrix prompt = test::golden_matrix("prompt_plain_values");
  lm::GenerationParams params;
  params.max_new_tokens = frames + 1;
  params.ignore_stop = true;  // every column then has its residual codes
  auto session = model->new_session(static_cast<int>(prompt.cols) + frames + 1);
  lm::FrameGenerator generator(*session, info.layout, prompt, params);
  std::vector<int32_t> frame;
  while (generator.next(frame)) {
  }
  const auto& columns = generator.columns();
  EXPECT_EQ(columns.size(), static_cast<std::size_t>(frames + 1));

  std::vector<double> slow, fast;
  auto replay = model->new_session(static_cast<int>(prompt.cols) + frames + 1);
  lm::SlowResult r = replay->prefill(prompt);
  for (std::size_t j = 0; j < columns.size(); ++j) {
    slow.push_back(top1_probability(r.logits));
    std::span<const float> f = replay->fast_begin(r.hidden, columns[j][1]);
    for (int k = 1; k < info.num_codebooks; ++k) {
      if (k > 1) f = replay->fast_next(columns[j][static_cast<std::size_t>(k)]);
      fast.push_back(top1_probability(f.subspan(0, static_cast<std::size_t>(info.layout.residual_codebook_size))));
    }
    if (j + 1 < columns.size()) r = replay->step(columns[j]);
  }
  return {median(slow), median(fast)};
}

TEST(TrainedEntropy, GeneratedStepsHaveATrainedModelsTopOneProbability) {
  const fs::path root = fs::temp_directory_path() / ("fishtts-trained-entropy-" + std::to_string(::getpid()));
  const checkpoint::Preset tiny = checkpoint::preset_by_name("tiny");
  EXPECT_TRUE(checkpoint::make_checkpoint(tiny, 7, (root / "plain").string()).empty());
  const auto heads = checkpoint::make_checkpoint(tiny, 7, (root / "scaled").string(), {.trained_entropy = true});
  ASSERT_EQ(heads.size(), 2u);

  // Only the heads differ, and they by their scale alone (same random stream).
  const auto plain = checkpoint::load_llm_weights((root / "plain").string());
  const auto scaled = checkpoint::load_llm_weights((root / "scaled").string());
  for (const std::string& name : plain.tensors.names()) {
    const auto a = plain.tensors.get(name).to_float(), b = scaled.tensors.get(name).to_float();
    const auto head = std::find_if(heads.begin(), heads.end(), [&](const auto& h) { return h.tensor == name; });
    if (head == heads.end()) {
      ASSERT_EQ(a, b) << name;
      continue;
    }
    const double ratio = head->weight_std / 0.02;
    for (std::size_t i = 0; i < a.size(); i += 97) ASSERT_NEAR(b[i], a[i] * ratio, 0.01 * std::abs(a[i] * ratio) + 1e-6) << name;
  }

  constexpr int kFrames = 24;
  const TopOne s = generated_top1(root / "scaled", root / "scaled-bundle", kFrames);
  EXPECT_GT(s.slow_median, 0.3);
  EXPECT_LT(s.slow_median, 0.7);
  EXPECT_GT(s.fast_median, 0.3);
  EXPECT_LT(s.fast_median, 0.7);
  // The default heads (std 0.02, |h| = 8 on the tiny sizes) give near-flat logits: top-1 ~ a few / classes.
  const TopOne p = generated_top1(root / "plain", root / "plain-bundle", kFrames);
  EXPECT_LT(p.slow_median, 0.05);
  EXPECT_LT(p.fast_median, 0.05);
  std::printf("median top-1 probability: scaled slow %.3f fast %.3f, plain slow %.4f fast %.4f\n", s.slow_median,
              s.fast_median, p.slow_median, p.fast_median);
  fs::remove_all(root);
}

}  // namespace
