// The converted codec graphs against upstream's fp32 outputs on the tiny checkpoint (golden/manifest.json):
// decode stages and audio, the upper clamp, encode codes (exact, short and long: the long case crosses the
// encoder transformer's 512-step window), streaming decode against whole decode, and bad input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "codec/codec_model.h"
#include "codec/streaming_decoder.h"
#include "common/error.h"
#include "convert/codec_bundle.h"
#include "hw/cpu_info.h"
#include "convert/model_file.h"
#include "io/npy.h"
#include "support/codec_compare.h"
#include "support/golden.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

using test::columns;
using test::golden_f32;
using test::max_abs_diff;
using test::snr_db;
using test::kFixture;
using test::kGolden;
// The chirps are int16 .npy files, scaled by 1/32768 as upstream's encoder input.
std::vector<float> golden_pcm(const std::string& name) {
  std::vector<float> out;
  for (int32_t v : io::npy_to_int32(io::read_npy(kGolden / (name + ".npy")), name)) {
    out.push_back(static_cast<float>(v) / 32768.0f);
  }
  return out;
}

class CodecParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("fishtts-codec-test-" + std::to_string(::getpid()));
    convert::convert_codec(kFixture.string(), dir_.string(), {});
    hw::EngineSettings settings;
    settings.intra_op_threads = 2;
    codec::CodecRunOptions options;
    options.decode_chunk_frames = 7;   // whole decodes cross chunk boundaries too
    options.encode_chunk_frames = 16;  // the long case spans 9 chunks and the 512-step window
    model_ = codec::CodecModel::load(dir_.string(), settings, options);
  }
  static void TearDownTestSuite() {
    model_.reset();
    fs::remove_all(dir_);
  }
  static inline fs::path dir_;
  static inline std::shared_ptr<const codec::CodecModel> model_;
};

// fp32 in another summation order than PyTorch. Measured max abs errors are printed by the tests.
constexpr float kStageTol = 1e-4f;

TEST_F(CodecParity, DecodeStagesMatchUpstream) {
  codec::DecodeStages s = model_->decode_stages(test::golden_matrix("decode_codes"));
  float zq = max_abs_diff(s.zq, golden_f32("decode_zq"));
  float post = max_abs_diff(s.post, golden_f32("decode_post"));
  float latent = max_abs_diff(s.latent, golden_f32("decode_latent"));
  std::vector<float> audio_ref = golden_f32("decode_audio");
  float audio = max_abs_diff(s.audio, audio_ref);
  std::printf("decode max abs error: zq %.3g post %.3g latent %.3g audio %.3g (SNR %.1f dB)\n", zq, post, latent, audio,
              snr_db(audio_ref, s.audio));
  EXPECT_LT(zq, kStageTol);
  EXPECT_LT(post, kStageTol);
  EXPECT_LT(latent, kStageTol);
  EXPECT_LT(audio, kStageTol);
  EXPECT_GT(snr_db(audio_ref, s.audio), 60.0);
}

size_t count_ops(const fs::path& file, const std::string& op_type) {
  const onnx::ModelProto model = convert::load_model(file.string());
  return static_cast<size_t>(std::count_if(model.graph().node().begin(), model.graph().node().end(),
                                           [&](const onnx::NodeProto& n) { return n.op_type() == op_type; }));
}

// fused_snake = false: Snake as five standard nodes (for tools without the com.fishtts op), checker-clean and as
// close to upstream as the fused op; the default graph has no Sin left.
TEST_F(CodecParity, StandardOpSnakeExportMatchesUpstreamToo) {
  convert::CodecConvertOptions options;
  options.graph.fused_snake = false;
  const fs::path std_dir = dir_ / "std-snake";
  convert::convert_codec(kFixture.string(), std_dir.string(), options);
  EXPECT_EQ(count_ops(std_dir / "codec_decode.onnx", "Snake"), 0u);
  EXPECT_EQ(count_ops(std_dir / "codec_decode.onnx", "Sin"), count_ops(dir_ / "codec_decode.onnx", "Snake"));
  EXPECT_EQ(count_ops(dir_ / "codec_decode.onnx", "Sin"), 0u);
  EXPECT_GT(count_ops(dir_ / "codec_encode.onnx", "Snake"), 0u);

  auto std_model = codec::CodecModel::load(std_dir.string(), {}, {});
  const text::IntMatrix codes = test::golden_matrix("decode_codes");
  const std::vector<float> std_audio = std_model->decode(codes);
  const std::vector<float> fused_audio = model_->decode(codes);
  const std::vector<float> audio_ref = golden_f32("decode_audio");
  std::printf("standard-op Snake: SNR %.1f dB vs upstream; fused vs standard max abs diff %.3g\n",
              snr_db(audio_ref, std_audio), max_abs_diff(fused_audio, std_audio));
  EXPECT_GT(snr_db(audio_ref, std_audio), 60.0);
  EXPECT_LT(max_abs_diff(fused_audio, std_audio), kStageTol);
}

TEST_F(CodecParity, EncodeCodesMatchUpstreamExactly) {
  for (const std::string c : {"encode", "encode_long"}) {
    codec::EncodeStages s = model_->encode_stages(golden_pcm(c + "_pcm16"));
    text::IntMatrix expected = test::golden_matrix(c + "_codes");
    float latent = max_abs_diff(s.latent, golden_f32(c + "_latent"));
    float pre = max_abs_diff(s.pre, golden_f32(c + "_pre"));
    std::printf("%s max abs error: latent %.3g pre %.3g\n", c.c_str(), latent, pre);
    EXPECT_LT(latent, kStageTol) << c;
    EXPECT_LT(pre, kStageTol) << c;
    ASSERT_EQ(s.codes.rows, expected.rows);
    ASSERT_EQ(s.codes.cols, expected.cols);
    size_t mismatches = 0;
    for (size_t i = 0; i < expected.values.size(); ++i) mismatches += s.codes.values[i] != expected.values[i];
    EXPECT_EQ(mismatches, 0u) << c;
  }
}

TEST_F(CodecParity, CodesAboveTheRangeAreClampedAsUpstream) {
  text::IntMatrix codes = test::golden_matrix("decode_clamp_codes");
  bool above = false;
  for (size_t c = 0; c < codes.cols; ++c) above |= codes.at(0, c) >= 4096 || codes.at(1, c) >= 1024;
  ASSERT_TRUE(above) << "the golden input should exercise the clamp";
  std::vector<float> audio = model_->decode(codes);
  std::vector<float> expected = golden_f32("decode_clamp_audio");
  std::printf("clamp decode max abs error %.3g\n", max_abs_diff(audio, expected));
  EXPECT_LT(max_abs_diff(audio, expected), kStageTol);
}

TEST_F(CodecParity, ChunkedWholeDecodeMatchesOneCall) {
  text::IntMatrix codes = test::golden_matrix("decode_codes");
  std::vector<float> chunked = model_->decode(codes);  // chunks of 7 frames
  std::vector<float> one_call = model_->decode_stages(codes).audio;
  ASSERT_EQ(chunked.size(), codes.cols * static_cast<size_t>(model_->info().frame_length));
  std::printf("chunked vs one-call decode: max abs diff %.3g\n", max_abs_diff(chunked, one_call));
  EXPECT_EQ(max_abs_diff(chunked, one_call), 0.0f);
}

TEST_F(CodecParity, StreamingDecodeEqualsWholeDecode) {
  // Long enough (60 frames) for the post_module's window (8 frames here) to slide many times.
  text::IntMatrix base = test::golden_matrix("decode_codes");
  text::IntMatrix codes;
  codes.rows = base.rows;
  codes.cols = 60;
  for (size_t r = 0; r < codes.rows; ++r) {
    for (size_t c = 0; c < codes.cols; ++c) codes.values.push_back(base.at(r, (c * 7) % base.cols));
  }
  std::vector<float> whole = model_->decode_stages(codes).audio;
  for (int chunk : {1, 2, 3, 8}) {
    auto stream = model_->new_stream(chunk);
    std::vector<float> streamed;
    const size_t steps[] = {1, 2, 5, 1, 11, 4};  // uneven pushes, some smaller than the chunk
    for (size_t pushed = 0, i = 0; pushed < codes.cols; ++i) {
      const size_t end = std::min(codes.cols, pushed + steps[i % 6]);
      std::vector<float> part = stream->push(columns(codes, pushed, end));
      EXPECT_EQ(part.size() % static_cast<size_t>(model_->info().frame_length), 0u);
      streamed.insert(streamed.end(), part.begin(), part.end());
      pushed = end;
    }
    std::vector<float> tail = stream->finish();
    streamed.insert(streamed.end(), tail.begin(), tail.end());
    EXPECT_EQ(stream->frames_decoded(), 60);
    float diff = max_abs_diff(streamed, whole);
    std::printf("streaming (chunk %d) vs whole decode: max abs diff %.3g, SNR %.1f dB\n", chunk, diff, snr_db(whole, streamed));
    // Bit for bit: banded attention and chunk-independent kernels (see codec_layers.h). Before those, chunk 1
    // differed by 1.6e-5 (SNR 105 dB) through the softmax sums and a 1-step Conv.
    EXPECT_EQ(diff, 0.0f) << chunk;
  }
}

// The bf16 decodes (--codec-precision bf16 / bf16x3, ort/conv1d_bf16_op.h) against upstream's fp32 audio, and
// streamed in uneven pushes against their own whole decode: bit for bit, since the op runs one tile length
// (one oneDNN kernel, one summation order) whatever the length of a call. Plain bf16 is the default where the
// CPU has bf16 dot products, so it must stay at least as close to fp32 as upstream's own default decode (bf16
// autocast, the fixture's decode_audio_bf16_autocast) is.
TEST(CodecBf16, CloseToFp32AndStreamedEqualsWhole) {
  if (!hw::detect_cpu().isa.avx512f) GTEST_SKIP() << "oneDNN's bf16 kernels need AVX-512";
  const fs::path dir = fs::temp_directory_path() / ("fishtts-codec-bf16-test-" + std::to_string(::getpid()));
  const text::IntMatrix codes = test::golden_matrix("decode_codes");
  const std::vector<float> audio_ref = golden_f32("decode_audio");
  const double upstream_bf16 = snr_db(audio_ref, golden_f32("decode_audio_bf16_autocast"));
  EXPECT_NEAR(upstream_bf16, 24.87, 0.05);  // the fixture README's figure: the right array was read
  const fs::path fp32 = dir / "fp32";
  convert::convert_codec(kFixture.string(), fp32.string(), {});
  for (const auto& [precision, min_snr] : {std::pair{convert::CodecPrecision::kBf16x3, 70.0},
                                           std::pair{convert::CodecPrecision::kBf16, upstream_bf16}}) {
    convert::CodecConvertOptions options;
    options.precision = precision;
    const fs::path sub = dir / convert::codec_precision_name(precision);
    convert::convert_codec(kFixture.string(), sub.string(), options);
    EXPECT_GT(count_ops(sub / "codec_decode.onnx", "Conv1dBf16"), 0u);
    EXPECT_EQ(count_ops(sub / "codec_encode.onnx", "Conv1dBf16"), 0u);  // encode stays fp32
    // The post_module's and upsample's Linears run as the op too: only attention products and the dequantiser's
    // and upsample's fixed maps stay MatMul (the S1-mini decode held 520 MB of fp32 MatMul weights).
    EXPECT_LT(count_ops(sub / "codec_decode.onnx", "MatMul"), count_ops(fp32 / "codec_decode.onnx", "MatMul") * 2 / 3);
    hw::EngineSettings settings;
    settings.intra_op_threads = 2;
    auto model = codec::CodecModel::load(sub.string(), settings, {});
    const std::vector<float> whole = model->decode_stages(codes).audio;
    const double snr = snr_db(audio_ref, whole);
    std::printf("%s decode: SNR %.1f dB vs upstream fp32\n", convert::codec_precision_name(precision), snr);
    EXPECT_GT(snr, min_snr);
    auto stream = model->new_stream(3);
    std::vector<float> streamed;
    for (size_t pushed = 0, i = 0; pushed < codes.cols; ++i) {
      const size_t end = std::min(codes.cols, pushed + 1 + i % 5);
      std::vector<float> part = stream->push(columns(codes, pushed, end));
      streamed.insert(streamed.end(), part.begin(), part.end());
      pushed = end;
    }
    std::vector<float> tail = stream->finish();
    streamed.insert(streamed.end(), tail.begin(), tail.end());
    std::printf("  streamed vs whole: max abs diff %.3g, SNR %.1f dB\n", max_abs_diff(streamed, whole),
                snr_db(whole, streamed));
    ASSERT_EQ(streamed.size(), whole.size());
    EXPECT_EQ(max_abs_diff(streamed, whole), 0.0f);
  }
  fs::remove_all(dir);
}

void expect_error(ErrorCode code, const std::string& fragment, const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no error, expected one containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// The encoder session is made by the first encode only: decoding (every request without a new reference voice)
// never loads it. A bundle without its encoder still fails at load, naming the file.
TEST_F(CodecParity, EncoderSessionIsCreatedOnFirstEncode) {
  auto fresh = codec::CodecModel::load(dir_.string(), {});
  EXPECT_FALSE(fresh->encoder_loaded());
  text::IntMatrix codes = model_->encode(std::vector<float>(4096, 0.1f));
  (void)fresh->decode(codes);
  EXPECT_FALSE(fresh->encoder_loaded());
  EXPECT_EQ(fresh->encode(std::vector<float>(4096, 0.1f)).values, codes.values);
  EXPECT_TRUE(fresh->encoder_loaded());

  const fs::path broken = dir_.string() + "-no-encoder";
  fs::create_directories(broken);
  for (const auto& f : fs::directory_iterator(dir_)) {
    if (f.path().filename() != model_->info().encode.file) fs::copy(f.path(), broken / f.path().filename());
  }
  expect_error(ErrorCode::kNotFound, model_->info().encode.file, [&] { codec::CodecModel::load(broken.string(), {}); });
  fs::remove_all(broken);
}

// The codec precision the engine reports is codec.json's: a name no converter writes is a broken bundle.
TEST_F(CodecParity, AnUnknownCodecPrecisionInTheBundleIsABadFormat) {
  std::ifstream in(dir_ / "codec.json");
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(codec::CodecInfo::from_json(j, "codec.json").precision, "fp32");
  j["precision"] = "fp16";
  expect_error(ErrorCode::kBadFormat, "codec.json: precision: unknown codec precision 'fp16'",
               [&] { codec::CodecInfo::from_json(j, "codec.json"); });
}

TEST_F(CodecParity, BadCodesAndAudioGiveClearErrors) {
  text::IntMatrix codes = test::golden_matrix("decode_codes");
  text::IntMatrix short_rows = codes;
  short_rows.rows = 9;
  short_rows.values.resize(9 * codes.cols);
  expect_error(ErrorCode::kInvalidArgument, "9 rows", [&] { model_->decode(short_rows); });
  text::IntMatrix negative = codes;
  negative.at(3, 5) = -1;
  expect_error(ErrorCode::kInvalidArgument, "codebook 3, frame 5", [&] { model_->decode(negative); });
  auto stream = model_->new_stream(1);
  stream->push(columns(codes, 0, 4));
  expect_error(ErrorCode::kInvalidArgument, "codebook 3, frame 5", [&] { stream->push(columns(negative, 4, 10)); });

  const int64_t limit = model_->info().decode.max_frames;
  text::IntMatrix too_long;
  too_long.rows = codes.rows;
  too_long.cols = static_cast<size_t>(limit + 1);
  too_long.values.assign(too_long.rows * too_long.cols, 0);
  expect_error(ErrorCode::kOutOfRange, "position limit", [&] { model_->decode(too_long); });

  expect_error(ErrorCode::kInvalidArgument, "no audio", [&] { model_->encode({}); });
  std::vector<float> nan_audio(100, 0.0f);
  nan_audio[42] = std::nanf("");
  expect_error(ErrorCode::kInvalidArgument, "sample 42", [&] { model_->encode(nan_audio); });
  std::vector<float> long_audio(static_cast<size_t>((model_->info().encode.max_frames + 1) * model_->info().frame_length), 0.0f);
  expect_error(ErrorCode::kOutOfRange, "position limit", [&] { model_->encode(long_audio); });
  expect_error(ErrorCode::kNotFound, "codec.json", [&] { codec::CodecModel::load(kFixture.string(), {}); });
}

}  // namespace
