// The numbers the benchmark's bounds rest on: codec MACs per frame from the config (spec 9.3's S1 figures), and
// the weight bytes a converted graph streams per call (matmul weights, not the embedding tables it gathers from).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "checkpoint/codec_config.h"
#include "codec/codec_compute.h"
#include "common/error.h"
#include "convert/llm_bundle.h"
#include "convert/weight_traffic.h"
#include "lm/llm_model.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

TEST(CodecCompute, S1MatchesTheSpecFigures) {
  const codec::CodecMacs m = codec::codec_macs_per_frame(checkpoint::CodecConfig::s1_defaults());
  EXPECT_NEAR(m.decode_per_frame / 1e9, 3.38, 0.02);  // spec 9.3
  EXPECT_NEAR(m.encode_per_frame / 1e9, 1.80, 0.02);
}

TEST(CodecCompute, ScalesWithTheConfig) {
  checkpoint::CodecConfig half = checkpoint::CodecConfig::s1_defaults();
  const codec::CodecMacs full = codec::codec_macs_per_frame(half);
  half.decoder_dim /= 2;  // decoder convs are quadratic in channels
  const codec::CodecMacs smaller = codec::codec_macs_per_frame(half);
  EXPECT_LT(smaller.decode_per_frame, 0.5 * full.decode_per_frame);
  EXPECT_DOUBLE_EQ(smaller.encode_per_frame, full.encode_per_frame);
}

TEST(WeightTraffic, Fp32GraphsStreamTheirMatmulWeightsAndNotTheirTables) {
  const fs::path dir = fs::temp_directory_path() / ("fishtts-weight-traffic-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  convert::LlmConvertOptions options;
  options.check = false;
  convert::convert_llm(FISHTTS_FIXTURE_DIR, dir.string(), options);
  std::ifstream in(dir / "llm.json");
  const lm::LlmInfo info = lm::LlmInfo::from_json(nlohmann::json::parse(in), "llm.json");

  const convert::WeightTraffic slow = convert::graph_weight_traffic((dir / "slow.onnx").string());
  const convert::WeightTraffic fast = convert::graph_weight_traffic((dir / "fast.onnx").string());
  // fp32: 4 bytes per matmul weight, plus the norm vectors (a few per layer, each `dim` long or less).
  const double slow_matmul = 4 * info.slow.matmul_weights(), fast_matmul = 4 * info.fast.matmul_weights();
  EXPECT_GE(static_cast<double>(slow.streamed_bytes), slow_matmul);
  EXPECT_LT(static_cast<double>(slow.streamed_bytes), slow_matmul * 1.02);
  EXPECT_GE(static_cast<double>(fast.streamed_bytes), fast_matmul);
  EXPECT_LT(static_cast<double>(fast.streamed_bytes), fast_matmul * 1.05);
  // The embedding tables (token + codebooks) are gathered: counted apart.
  EXPECT_GT(slow.indexed_bytes, static_cast<uint64_t>(4 * info.layout.slow.vocab_size * info.slow.dim));
  fs::remove_all(dir);
  EXPECT_THROW(convert::graph_weight_traffic((dir / "slow.onnx").string()), Error);
}

}  // namespace
