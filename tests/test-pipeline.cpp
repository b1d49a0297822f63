// The pipeline library on the tiny checkpoint: requests with the same reference voice reuse its prefilled KV
// prefix and produce exactly what a full prefill produces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "pipeline/engine.h"
#include "pipeline/synthesis.h"
#include "support/golden.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

std::vector<float> synthesize(const std::shared_ptr<const pipeline::Engine>& engine, const std::string& text,
                              pipeline::SynthesisMetrics* metrics) {
  pipeline::SynthesisRequest request;
  request.text = text;
  request.references.push_back({"This is the reference voice.", test::golden_matrix("prompt_ref1_ref0_codes"), {}});
  request.generation.sampling.greedy = true;
  request.generation.max_new_tokens = 12;
  pipeline::Synthesis s(engine, request);
  std::vector<float> out;
  pipeline::AudioChunk chunk;
  while (s.next(chunk)) out.insert(out.end(), chunk.samples.begin(), chunk.samples.end());
  *metrics = s.metrics();
  return out;
}

TEST(Pipeline, TheSameReferenceReusesItsKvPrefixWithIdenticalOutput) {
  const fs::path cache = fs::temp_directory_path() / ("fishtts-pipeline-" + std::to_string(::getpid()));
  pipeline::EngineParams params;
  params.model_path = test::kFixture.string();
  params.cache_dir = cache.string();
  params.overrides.precision = hw::Precision::kFp32;
  params.overrides.threads = 1;
  auto engine = pipeline::Engine::create(params);

  pipeline::SynthesisMetrics first, second, other;
  std::vector<float> a = synthesize(engine, "Now say something new.", &first);
  std::vector<float> b = synthesize(engine, "Now say something new.", &second);
  EXPECT_EQ(first.reused_prefix_positions, 0);
  // <|interleave|>, the reference's text and its 12 frames, <|im_end|>: everything but the target segment.
  EXPECT_GT(second.reused_prefix_positions, 12);
  EXPECT_LT(second.reused_prefix_positions, second.prompt_positions);
  EXPECT_EQ(a, b);
  EXPECT_GT(engine->prefix_cache().bytes(), 0u);

  std::vector<float> c = synthesize(engine, "Something else entirely.", &other);
  EXPECT_EQ(other.reused_prefix_positions, second.reused_prefix_positions);
  EXPECT_EQ(c.size(), 11u * 2048u);
  fs::remove_all(cache);
}

// The codec encoder opens only for a reference given as audio: a request without a reference voice, or with one
// given as codes, never loads it (#18: ~800 MB of S1-mini weights a plain `say` does not need).
TEST(Pipeline, OnlyAReferenceGivenAsAudioOpensTheCodecEncoder) {
  const fs::path cache = fs::temp_directory_path() / ("fishtts-pipeline-enc-" + std::to_string(::getpid()));
  pipeline::EngineParams params;
  params.model_path = test::kFixture.string();
  params.cache_dir = cache.string();
  params.overrides.precision = hw::Precision::kFp32;
  params.overrides.threads = 1;
  auto engine = pipeline::Engine::create(params);
  EXPECT_FALSE(engine->codec().encoder_loaded());

  auto run = [&](pipeline::SynthesisRequest request) {
    request.generation.sampling.greedy = true;
    request.generation.max_new_tokens = 4;
    pipeline::Synthesis s(engine, request);
    size_t samples = 0;
    pipeline::AudioChunk chunk;
    while (s.next(chunk)) samples += chunk.samples.size();
    return samples;
  };
  pipeline::SynthesisRequest plain;
  plain.text = "No reference voice.";
  EXPECT_GT(run(plain), 0u);
  EXPECT_FALSE(engine->codec().encoder_loaded());

  pipeline::SynthesisRequest with_codes = plain;
  with_codes.references.push_back({"This is the reference voice.", test::golden_matrix("prompt_ref1_ref0_codes"), {}});
  EXPECT_GT(run(with_codes), 0u);
  EXPECT_FALSE(engine->codec().encoder_loaded());

  pipeline::SynthesisRequest with_audio = plain;
  with_audio.references.push_back({"This is the reference voice.", {}, std::vector<float>(8192, 0.1f)});
  EXPECT_GT(run(with_audio), 0u);
  EXPECT_TRUE(engine->codec().encoder_loaded());
  fs::remove_all(cache);
}

}  // namespace
