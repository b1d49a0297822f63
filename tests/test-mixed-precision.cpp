// The int4-mixed recipe (convert/mixed_precision.h): which matmuls stay int8 (llama.cpp's use_more_bits layers,
// the heads), the precision's name, and a converted tiny bundle whose weight bytes fall between int4's and int8's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "convert/llm_bundle.h"
#include "convert/mixed_precision.h"
#include "convert/weight_traffic.h"
#include "hw/engine_settings.h"
#include "lm/llm_model.h"
#include "support/golden.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

std::vector<int64_t> more_bits_layers(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i) {
    if (convert::use_more_bits(i, n)) v.push_back(i);
  }
  return v;
}

TEST(Int4Mixed, KeepsLlamaCppsLayersAndTheHeadsAtInt8) {
  EXPECT_EQ(more_bits_layers(28), (std::vector<int64_t>{0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27}));
  EXPECT_EQ(more_bits_layers(4), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(more_bits_layers(2), (std::vector<int64_t>{1}));
  using convert::int4_mixed_bits;
  EXPECT_EQ(int4_mixed_bits("output", 28, 4), 8);
  EXPECT_EQ(int4_mixed_bits("fast_output", 28, 4), 8);
  EXPECT_EQ(int4_mixed_bits("layers.0.feed_forward.w2", 28, 4), 8);
  EXPECT_EQ(int4_mixed_bits("layers.3.feed_forward.w2", 28, 4), 4);
  EXPECT_EQ(int4_mixed_bits("layers.5.feed_forward.w2", 28, 4), 8);
  EXPECT_EQ(int4_mixed_bits("layers.5.feed_forward.w13", 28, 4), 4);
  EXPECT_EQ(int4_mixed_bits("layers.0.attention.wqkv", 28, 4), 4);
  EXPECT_EQ(int4_mixed_bits("fast_layers.2.feed_forward.w2", 28, 4), 8);
  EXPECT_EQ(int4_mixed_bits("fast_layers.0.feed_forward.w2", 28, 4), 4);
  // Fast layer 5 of 28 would be int8 in the slow stack: the fast stack's own count decides.
  EXPECT_EQ(int4_mixed_bits("fast_layers.5.feed_forward.w2", 28, 8), 4);
  EXPECT_EQ(int4_mixed_bits("layers.x.feed_forward.w2", 28, 4), 4);
  EXPECT_THROW(int4_mixed_bits("output", 0, 4), Error);
  EXPECT_EQ(hw::parse_precision("int4-mixed"), hw::Precision::kInt4Mixed);
  EXPECT_STREQ(hw::precision_name(hw::Precision::kInt4Mixed), "int4-mixed");
  EXPECT_EQ(hw::precision_names(), (std::vector<std::string>{"fp32", "int8", "int4", "int4-mixed"}));
}

TEST(Int4Mixed, ConvertsBetweenInt4AndInt8Bytes) {
  const fs::path root = fs::temp_directory_path() / ("fishtts-int4-mixed-" + std::to_string(::getpid()));
  auto bytes = [&](hw::Precision p) {
    const fs::path dir = root / hw::precision_name(p);
    convert::LlmConvertOptions options;
    options.graph.weights.precision = p;
    options.graph.weights.block_size = 32;  // the tiny dims (64, 192) are not multiples of 128
    convert::convert_llm(test::kFixture.string(), dir.string(), options);
    return convert::graph_weight_traffic((dir / "slow.onnx").string()).streamed_bytes +
           convert::graph_weight_traffic((dir / "fast.onnx").string()).streamed_bytes;
  };
  const uint64_t int4 = bytes(hw::Precision::kInt4), int8 = bytes(hw::Precision::kInt8);
  const uint64_t mixed = bytes(hw::Precision::kInt4Mixed);
  EXPECT_GT(mixed, int4);
  EXPECT_LT(mixed, int8);
  std::ifstream info(root / "int4-mixed" / "llm.json");
  EXPECT_EQ(nlohmann::json::parse(info).at("precision"), "int4-mixed");

  hw::EngineSettings settings;
  settings.intra_op_threads = 1;
  auto model = lm::LlmModel::load((root / "int4-mixed").string(), settings);
  const text::IntMatrix prompt = test::golden_matrix("prompt_plain_values");
  auto session = model->new_session(static_cast<int>(prompt.cols));
  const lm::SlowResult r = session->prefill(prompt);
  for (float v : r.logits) ASSERT_TRUE(std::isfinite(v));
  fs::remove_all(root);
}

}  // namespace
