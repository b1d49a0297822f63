// The sampler units on hand-written logits (spec 3.5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "common/error.h"
#include "lm/sampling.h"

namespace {

using namespace fishtts::lm;

std::vector<float> log_probs(std::initializer_list<double> p) {
  std::vector<float> z;
  for (double v : p) z.push_back(static_cast<float>(std::log(v)));
  return z;
}

TEST(RepetitionPenalty, DividesPositiveMultipliesNegativeOncePerDistinctIndex) {
  std::vector<float> z = {2.0f, -2.0f, 1.0f, 0.0f};
  std::vector<int32_t> history = {0, 1, 0, 0, 1, 3};
  apply_repetition_penalty(z, history, 2.0f);
  EXPECT_FLOAT_EQ(z[0], 1.0f);   // 2 / 2, once despite three occurrences
  EXPECT_FLOAT_EQ(z[1], -4.0f);  // -2 * 2
  EXPECT_FLOAT_EQ(z[2], 1.0f);   // not in history
  EXPECT_FLOAT_EQ(z[3], 0.0f);   // 0 is "not < 0": divided, stays 0
}

TEST(RepetitionPenalty, IgnoresIndicesOutsideTheLogits) {
  std::vector<float> z = {1.0f, 1.0f};
  std::vector<int32_t> history = {-1, 2, 1000};
  apply_repetition_penalty(z, history, 1.5f);
  EXPECT_EQ(z, (std::vector<float>{1.0f, 1.0f}));
}

TEST(TopP, KeepsThePrefixUpToTheThresholdAndDropsTheCrossingEntry) {
  auto z = log_probs({0.125, 0.5, 0.125, 0.25});  // sorted: 1 (0.5), 3 (0.25), then 0 / 2 (0.125 each)
  Candidates c = top_p_candidates(z, 0.8f);       // cum 0.5, 0.75, 0.875 -> third crosses
  EXPECT_EQ(c.index, (std::vector<int32_t>{1, 3}));
  EXPECT_FLOAT_EQ(c.logit[0], z[1]);

  c = top_p_candidates(z, 0.9f);  // ties broken by lower index first
  EXPECT_EQ(c.index, (std::vector<int32_t>{1, 3, 0}));

  c = top_p_candidates(z, 1.0f);
  EXPECT_EQ(c.index.size(), 4u);
}

TEST(TopP, AlwaysKeepsTheTopEntry) {
  auto z = log_probs({0.1, 0.9});
  Candidates c = top_p_candidates(z, 1e-6f);
  EXPECT_EQ(c.index, (std::vector<int32_t>{1}));
}

TEST(TopP, MatchesAFullSortReferenceOnALargeVocabulary) {
  std::mt19937 gen(7);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> z(20000);
  for (float& v : z) v = dist(gen);

  for (float top_p : {0.1f, 0.5f, 0.8f, 0.95f, 0.999f}) {
    // Reference: sort everything, softmax, cumsum, cut.
    std::vector<int32_t> order(z.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b]; });
    double mx = z[order[0]], denom = 0;
    for (float v : z) denom += std::exp(v - mx);
    std::vector<int32_t> expect;
    double cum = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      cum += std::exp(z[order[i]] - mx) / denom;
      if (i > 0 && static_cast<float>(cum) > top_p) break;
      expect.push_back(order[i]);
    }
    EXPECT_EQ(top_p_candidates(z, top_p).index, expect) << "top_p=" << top_p;
  }
}

TEST(TopP, RejectsNaNAndEmptyLogits) {
  std::vector<float> nan = {NAN, NAN};
  EXPECT_THROW(top_p_candidates(nan, 0.8f), fishtts::Error);
  EXPECT_THROW(top_p_candidates(std::span<const float>(), 0.8f), fishtts::Error);
}

std::vector<double> draw_frequencies(const std::vector<float>& z, float temperature, int n) {
  Rng rng(1234);
  Candidates c = top_p_candidates(z, 1.0f);
  std::vector<double> freq(z.size(), 0.0);
  for (int i = 0; i < n; ++i) freq[static_cast<std::size_t>(draw(c, temperature, rng))] += 1.0 / n;
  return freq;
}

TEST(Draw, FollowsTheDistribution) {
  auto f = draw_frequencies(log_probs({0.5, 0.25, 0.25}), 1.0f, 40000);
  EXPECT_NEAR(f[0], 0.5, 0.015);
  EXPECT_NEAR(f[1], 0.25, 0.015);
  EXPECT_NEAR(f[2], 0.25, 0.015);
}

TEST(Draw, TemperatureSharpensAndFlattens) {
  // p^(1/t) renormalised: t = 0.5 squares the probabilities -> 4/6, 1/6, 1/6.
  auto sharp = draw_frequencies(log_probs({0.5, 0.25, 0.25}), 0.5f, 40000);
  EXPECT_NEAR(sharp[0], 4.0 / 6.0, 0.015);
  // t = 2 takes square roots -> 0.4142, 0.2929, 0.2929.
  auto flat = draw_frequencies(log_probs({0.5, 0.25, 0.25}), 2.0f, 40000);
  EXPECT_NEAR(flat[0], std::sqrt(0.5) / (std::sqrt(0.5) + 2 * 0.5), 0.015);
}

TEST(Draw, TinyTemperatureIsGreedy) {
  auto f = draw_frequencies(log_probs({0.3, 0.4, 0.3}), 1e-6f, 2000);
  EXPECT_NEAR(f[1], 1.0, 1e-9);
  EXPECT_EQ(f[0] + f[2], 0.0);
}

TEST(Sampler, SameSeedSameStreamDifferentSeedDifferentStream) {
  SamplingParams p{1.0f, 1.0f, 1.0f};
  std::vector<float> base(50, 0.0f);  // uniform: every draw is a pure function of the RNG stream
  auto run = [&](std::uint64_t seed) {
    Sampler s(p, seed);
    std::vector<int32_t> out;
    for (int i = 0; i < 32; ++i) {
      std::vector<float> z = base;
      out.push_back(s.sample(z, {}));
    }
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Sampler, PenaltyCanChangeTheGreedyChoice) {
  SamplingParams p{0.8f, 1e-6f, 1.5f};  // top_p 1e-6: only the top token survives (the fixtures' "greedy")
  Sampler s(p, 0);
  std::vector<float> z = {3.0f, 2.5f, 1.0f};
  std::vector<int32_t> history = {0};
  EXPECT_EQ(s.sample(z, history), 1);  // 3 / 1.5 = 2 < 2.5
  std::vector<float> z2 = {3.0f, 2.5f, 1.0f};
  EXPECT_EQ(s.sample(z2, {}), 0);
}

TEST(SamplingParams, ValidationNamesTheField) {
  auto expect_bad = [](SamplingParams p, const std::string& field) {
    try {
      p.validate();
      FAIL() << field << " accepted";
    } catch (const fishtts::Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_bad({0.0f, 0.8f, 1.1f}, "temperature");
  expect_bad({0.8f, 1.5f, 1.1f}, "top_p");
  expect_bad({0.8f, 0.8f, -1.0f}, "repetition_penalty");
  expect_bad({NAN, 0.8f, 1.1f}, "temperature");
  EXPECT_NO_THROW((SamplingParams{0.8f, 0.8f, 1.1f}.validate()));
}

}  // namespace

namespace {

TEST(Sampler, GreedyTakesTheFirstMaximumOfThePenalisedLogits) {
  fishtts::lm::SamplingParams p;
  p.greedy = true;
  p.repetition_penalty = 2.0f;
  fishtts::lm::Sampler s(p, 0);
  std::vector<float> z = {1.0f, 3.0f, 3.0f, 2.0f};
  EXPECT_EQ(s.sample(z, {}), 1);  // tie: the first
  std::vector<float> z2 = {1.0f, 3.0f, 3.0f, 2.0f};
  std::vector<int32_t> history = {1, 2};
  EXPECT_EQ(s.sample(z2, history), 3);  // 3/2 = 1.5 < 2
}

}  // namespace
