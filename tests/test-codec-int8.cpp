// The int8 codec decode (static QDQ convs, convert/codec_quantize.h) on the tiny checkpoint: its audio against the
// fp32 decode of the same codes (SNR), streaming == whole, a checker-clean graph that ONNX Runtime fuses into
// QLinearConv, and the option's place in the bundle cache key.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "codec/codec_model.h"
#include "codec/streaming_decoder.h"
#include "common/error.h"
#include "convert/bundle.h"
#include "convert/bundle_cache.h"
#include "convert/codec_bundle.h"
#include "convert/graph_builder.h"
#include "ort/env.h"
#include "ort/session_options.h"
#include "support/codec_compare.h"
#include "support/golden.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

class CodecInt8 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("fishtts-codec-int8-test-" + std::to_string(::getpid()));
    convert::CodecConvertOptions fp32, int8;
    int8.precision = convert::CodecPrecision::kInt8;  // check = true: the ONNX checker runs on the written files
    convert::convert_codec(test::kFixture.string(), (dir_ / "fp32").string(), fp32);
    convert::convert_codec(test::kFixture.string(), (dir_ / "int8").string(), int8);
    hw::EngineSettings settings;
    settings.intra_op_threads = 2;
    codec::CodecRunOptions options;
    options.decode_chunk_frames = 7;
    fp32_ = codec::CodecModel::load((dir_ / "fp32").string(), settings, options);
    int8_ = codec::CodecModel::load((dir_ / "int8").string(), settings, options);
  }
  static void TearDownTestSuite() {
    fp32_.reset();
    int8_.reset();
    fs::remove_all(dir_);
  }
  static inline fs::path dir_;
  static inline std::shared_ptr<const codec::CodecModel> fp32_, int8_;
};

// The target was >= 30 dB; static int8 reaches 16 dB here (every decoder conv but the first and last in int8).
// Random weights make the decoder amplify any perturbation: int8 weights alone (fp32 activations) give 22.6 dB,
// one conv of the first stage alone 20.7 dB (see bench-codec). This floor guards against regressions only, and is
// why hw::choose_settings keeps the codec in fp32 by default.
constexpr double kInt8SnrFloorDb = 13.0;

TEST_F(CodecInt8, DecodeSnrAgainstFp32) {
  EXPECT_EQ(int8_->info().precision, "int8");
  EXPECT_EQ(fp32_->info().precision, "fp32");
  for (const char* name : {"decode_codes", "decode_clamp_codes"}) {
    const text::IntMatrix codes = test::golden_matrix(name);
    const std::vector<float> reference = fp32_->decode(codes);
    const std::vector<float> int8 = int8_->decode(codes);
    ASSERT_EQ(int8.size(), reference.size());
    const double snr = test::snr_db(reference, int8);
    std::printf("%s: int8 vs fp32 decode SNR %.1f dB, max abs diff %.3g\n", name, snr,
                test::max_abs_diff(reference, int8));
    EXPECT_GE(snr, kInt8SnrFloorDb) << name;
    EXPECT_LT(snr, 200.0) << name << ": identical to fp32, so the int8 graph did not quantize anything";
  }
}

TEST_F(CodecInt8, StreamingDecodeEqualsWholeDecode) {
  const text::IntMatrix base = test::golden_matrix("decode_codes");
  text::IntMatrix codes;
  codes.rows = base.rows;
  codes.cols = 40;
  for (size_t r = 0; r < codes.rows; ++r) {
    for (size_t c = 0; c < codes.cols; ++c) codes.values.push_back(base.at(r, (c * 7) % base.cols));
  }
  const std::vector<float> whole = int8_->decode_stages(codes).audio;
  for (int chunk : {1, 3, 8}) {
    auto stream = int8_->new_stream(chunk);
    std::vector<float> streamed;
    for (size_t pushed = 0, step = 1; pushed < codes.cols; step = step % 5 + 1) {
      const size_t end = std::min(codes.cols, pushed + step);
      std::vector<float> part = stream->push(test::columns(codes, pushed, end));
      streamed.insert(streamed.end(), part.begin(), part.end());
      pushed = end;
    }
    std::vector<float> tail = stream->finish();
    streamed.insert(streamed.end(), tail.begin(), tail.end());
    EXPECT_EQ(test::max_abs_diff(streamed, whole), 0.0f) << "chunk " << chunk;
  }
}

size_t count_ops(const onnx::ModelProto& model, const std::string& op_type) {
  size_t n = 0;
  for (const onnx::NodeProto& node : model.graph().node()) n += node.op_type() == op_type;
  return n;
}

onnx::ModelProto read_model(const fs::path& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(model.ParseFromIstream(&in)) << path;
  return model;
}

TEST_F(CodecInt8, GraphIsCheckerCleanAndOnnxRuntimeFusesQLinearConv) {
  const fs::path file = dir_ / "int8" / "codec_decode.onnx";
  EXPECT_NO_THROW(convert::check_model_file(file.string()));
  const onnx::ModelProto written = read_model(file);
  const size_t qdq_convs = count_ops(written, "QuantizeLinear") / 2;  // input and output of each
  EXPECT_GT(qdq_convs, 0u);
  EXPECT_EQ(count_ops(read_model(dir_ / "fp32" / "codec_decode.onnx"), "QuantizeLinear"), 0u);

  Ort::SessionOptions options = ort::make_session_options({});
  const fs::path optimized = dir_ / "int8_optimized.onnx";
  options.SetOptimizedModelFilePath(optimized.c_str());
  Ort::Session session(ort::env(), file.c_str(), options);
  const onnx::ModelProto fused = read_model(optimized);
  std::printf("%zu QDQ convs written, %zu QLinearConv and %zu Conv after ONNX Runtime's optimizer\n", qdq_convs,
              count_ops(fused, "QLinearConv"), count_ops(fused, "Conv"));
  EXPECT_EQ(count_ops(fused, "QLinearConv"), qdq_convs);
}

TEST(CodecPrecisionOption, ChangesTheBundleCacheKeyAndKeepsTheFp32One) {
  convert::BundleOptions fp32, int8;
  int8.codec.precision = convert::CodecPrecision::kInt8;
  EXPECT_NE(convert::bundle_cache_key("fingerprint", fp32), convert::bundle_cache_key("fingerprint", int8));
  EXPECT_FALSE(fp32.to_json().contains("codec"));  // keys of bundles made before the option are unchanged
  EXPECT_EQ(int8.to_json().at("codec").at("precision"), "int8");
  convert::BundleOptions std_snake;  // Snake as standard ONNX ops: another bundle
  std_snake.codec.graph.fused_snake = false;
  EXPECT_NE(convert::bundle_cache_key("fingerprint", fp32), convert::bundle_cache_key("fingerprint", std_snake));
  EXPECT_EQ(std_snake.to_json().at("codec").at("fused_snake"), false);
  convert::BundleOptions other_percentile = int8;
  other_percentile.codec.int8.calibration.percentile = 100.0;
  EXPECT_NE(convert::bundle_cache_key("fingerprint", int8), convert::bundle_cache_key("fingerprint", other_percentile));
  EXPECT_EQ(convert::parse_codec_precision("int8"), convert::CodecPrecision::kInt8);
  try {
    convert::parse_codec_precision("fp16");
    ADD_FAILURE() << "fp16 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fp32, bf16, bf16x3, int8"), std::string::npos) << e.what();
  }
}

}  // namespace

