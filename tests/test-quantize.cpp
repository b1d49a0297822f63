// Weight quantization for MatMulNBits / DynamicQuantizeMatMul: the packed layout byte by byte, the
// dequantization error bound (scale / 2 per element), and ONNX Runtime's quantized matmuls against the fp32
// product within the error those bounds allow.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <tuple>

#include "common/error.h"
#include "convert/graph_builder.h"
#include "convert/quantize.h"
#include "support/ort_runner.h"
#include "support/random.h"

namespace fishtts::convert {
namespace {

using test::run;
using test::TensorIn;

// Gaussian weights with a few 8-sigma outliers, like real Linear layers.
std::vector<float> random_weight(int64_t n, int64_t k, uint32_t seed) {
  std::vector<float> w = test::random_normal(static_cast<size_t>(n * k), seed, 0.02f);
  for (size_t i = 0; i < w.size(); i += 97) w[i] *= 8.0f;
  return w;
}

std::vector<float> random_activations(int64_t m, int64_t k, uint32_t seed) {
  return test::random_normal(static_cast<size_t>(m * k), seed);
}

// ---- layout ------------------------------------------------------------------------------------------------

TEST(Quantize, FourBitLayoutIsLowNibbleFirstWithPackedZeroPoints) {
  // Block 0 holds 0..15 (scale 1, zero point 0, codes 0..15); block 1 holds -3, 0, 4, 12 and 12 padding slots
  // (scale 1, zero point 3, codes 0, 3, 7, 15, padding = zero point 3).
  std::vector<float> w(20);
  for (int i = 0; i < 16; ++i) w[i] = static_cast<float>(i);
  w[16] = -3.0f, w[17] = 0.0f, w[18] = 4.0f, w[19] = 12.0f;
  BlockQuantized q = quantize_blockwise(w, 1, 20, {.bits = 4, .block_size = 16});
  EXPECT_EQ(q.data_dims(), (std::vector<int64_t>{1, 2, 8}));
  ASSERT_EQ(q.data.size(), 16u);
  EXPECT_EQ(q.data[0], 0x10);
  EXPECT_EQ(q.data[1], 0x32);
  EXPECT_EQ(q.data[7], 0xFE);
  EXPECT_EQ(q.data[8], 0x30);
  EXPECT_EQ(q.data[9], 0xF7);
  for (int i = 10; i < 16; ++i) EXPECT_EQ(q.data[i], 0x33) << "padding byte " << i;
  EXPECT_EQ(q.scales, (std::vector<float>{1.0f, 1.0f}));
  EXPECT_EQ(q.zero_points, (std::vector<uint8_t>{0x30}));
  EXPECT_EQ(dequantize(q), w);
}

TEST(Quantize, EightBitLayoutIsOneBytePerCode) {
  std::vector<float> w(16);
  for (int i = 0; i < 16; ++i) w[i] = static_cast<float>(i) - 5.0f;  // -5 .. 10: scale 15/255, zero point 85
  BlockQuantized q = quantize_blockwise(w, 1, 16, {.bits = 8, .block_size = 16});
  ASSERT_EQ(q.data.size(), 16u);
  ASSERT_EQ(q.zero_points.size(), 1u);
  EXPECT_EQ(q.zero_points[0], 85);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(q.data[i], 17 * i) << i;
  BlockQuantized s = quantize_blockwise(w, 1, 16, {.bits = 8, .block_size = 16, .symmetric = true});
  EXPECT_TRUE(s.zero_points.empty());
  EXPECT_FLOAT_EQ(s.scales[0], 10.0f / 127.0f);
  EXPECT_EQ(s.data[15], 128 + 127);  // +max -> zero point 128 + 127
  EXPECT_EQ(s.data[0], 128 - 64);    // -5 / (10/127) = -63.5 -> -64 (ties to even)
}

TEST(Quantize, RejectsBadArguments) {
  std::vector<float> w(64, 1.0f);
  EXPECT_THROW(quantize_blockwise(w, 2, 32, {.bits = 3}), Error);
  EXPECT_THROW(quantize_blockwise(w, 2, 32, {.bits = 4, .block_size = 24}), Error);
  EXPECT_THROW(quantize_blockwise(w, 2, 32, {.bits = 4, .block_size = 8}), Error);
  EXPECT_THROW(quantize_blockwise(w, 2, 32, {.bits = 4, .block_size = 512}), Error);
  EXPECT_THROW(quantize_blockwise(w, 3, 32, {}), Error);
  EXPECT_THROW(quantize_per_channel_int8(w, 0, 64), Error);
  try {
    quantize_blockwise(w, 3, 32, {});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("[3, 32]"), std::string::npos) << e.what();
  }
}

// ---- dequantization error bound ----------------------------------------------------------------------------------

class RoundTrip : public ::testing::TestWithParam<std::tuple<int, int64_t, bool, int64_t>> {};

TEST_P(RoundTrip, ErrorIsAtMostHalfAScalePerElement) {
  const auto [bits, block, symmetric, k] = GetParam();
  const int64_t n = 6;
  std::vector<float> w = random_weight(n, k, 7);
  BlockQuantized q = quantize_blockwise(w, n, k, {.bits = bits, .block_size = block, .symmetric = symmetric});
  const int64_t blocks = (k + block - 1) / block;
  ASSERT_EQ(q.data.size(), static_cast<size_t>(n * blocks * block * bits / 8));
  ASSERT_EQ(q.scales.size(), static_cast<size_t>(n * blocks));
  ASSERT_EQ(q.zero_points.size(), symmetric ? 0u : static_cast<size_t>(n * ((blocks * bits + 7) / 8)));
  std::vector<float> d = dequantize(q);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < k; ++c) {
      const float scale = q.scales[r * blocks + c / block];
      ASSERT_LE(std::fabs(d[r * k + c] - w[r * k + c]), scale * 0.5f * (1.0f + 1e-5f)) << "row " << r << " col " << c;
    }
    for (int64_t c = k; c < blocks * block; ++c) {  // padding dequantizes to exactly zero
      ASSERT_EQ(q.code(r, c), q.zero_point(r, blocks - 1)) << "padding at row " << r << " col " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BitsBlocksSymmetryK, RoundTrip,
                         ::testing::Combine(::testing::Values(4, 8), ::testing::Values(16, 32, 64, 128, 256),
                                            ::testing::Bool(), ::testing::Values(int64_t{256}, int64_t{200})));

TEST(Quantize, PerChannelInt8RoundTripWithinHalfScale) {
  const int64_t n = 5, k = 77;
  std::vector<float> w = random_weight(n, k, 9);
  ChannelQuantized q = quantize_per_channel_int8(w, n, k);
  std::vector<float> d = dequantize(q);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) ASSERT_LE(std::fabs(d[r * k + c] - w[r * k + c]), q.scales[r] * 0.5f * (1.0f + 1e-5f));
  // [K, N] layout: element (row r, col c) of W sits at c * N + r.
  EXPECT_EQ(q.data[3 * n + 2], static_cast<int8_t>(std::nearbyint(w[2 * k + 3] / q.scales[2])));
}

// Quantization error of Gaussian weights, asymmetric vs symmetric: the measurement behind the default.
TEST(Quantize, AsymmetricIsMoreAccurateThanSymmetricOnGaussianWeights) {
  const int64_t n = 64, k = 1024;
  std::vector<float> w = random_weight(n, k, 11);
  double w2 = 0.0;
  for (float v : w) w2 += static_cast<double>(v) * v;
  for (int bits : {4, 8}) {
    for (int64_t block : {32, 128}) {
      double err[2];
      for (bool symmetric : {false, true}) {
        std::vector<float> d = dequantize(quantize_blockwise(w, n, k, {.bits = bits, .block_size = block, .symmetric = symmetric}));
        double e2 = 0.0;
        for (size_t i = 0; i < w.size(); ++i) e2 += (d[i] - w[i]) * static_cast<double>(d[i] - w[i]);
        err[symmetric] = std::sqrt(e2 / w2);
      }
      std::cout << "  int" << bits << " block " << block << ": relative RMS error asymmetric " << err[0] << ", symmetric "
                << err[1] << "\n";
      EXPECT_LT(err[0], err[1]) << "bits " << bits << " block " << block;
    }
  }
}

// ---- ONNX Runtime's quantized matmuls vs fp32 --------------------------------------------------------------------

// Tolerance: |y - x W^T| <= sum_k |x_k| * s_w(k) / 2 (weight rounding, the bound tested above)
//                          + sum_k |w_deq_k| * s_a(k) / 2 (activation rounding: int8 per block of A at
//                            accuracy_level 4 with s_a = max|x in block| / 127, exact at level 1)
//                          + 1e-4 * sum_k |x_k w_k| (fp32 accumulation order).
class NBits : public ::testing::TestWithParam<std::tuple<int, int64_t, int64_t, int, bool>> {};

TEST_P(NBits, MatMulNBitsMatchesFp32WithinTheQuantizationBound) {
  const auto [bits, block, k, accuracy, symmetric] = GetParam();
  const int64_t m = 3, n = 40;
  std::vector<float> w = random_weight(n, k, 21), x = random_activations(m, k, 22);
  BlockQuantized q = quantize_blockwise(w, n, k, {.bits = bits, .block_size = block, .symmetric = symmetric});
  GraphBuilder g("nbits");
  const std::string in = g.add_input("x", ElemType::kFloat, {"m", k});
  g.add_output(add_matmul_nbits(g, in, "w", q, accuracy), ElemType::kFloat, {"m", n}, "y");
  onnx::ModelProto model = std::move(g).build();
  check_model(model);
  Ort::Session session = test::session_from_model(model);
  std::vector<TensorIn> inputs = {{"x", {m, k}, x}};
  std::vector<float> y = run(session, inputs, {"y"})[0].data;

  const std::vector<float> wd = dequantize(q);
  const int64_t blocks = q.blocks_per_row();
  double worst_ratio = 0.0;
  for (int64_t r = 0; r < m; ++r) {
    std::vector<double> act_scale(blocks, 0.0);
    for (int64_t c = 0; c < k; ++c) act_scale[c / block] = std::max<double>(act_scale[c / block], std::fabs(x[r * k + c]) / 127.0);
    for (int64_t o = 0; o < n; ++o) {
      double exact = 0.0, bound = 0.0, magnitude = 0.0;
      for (int64_t c = 0; c < k; ++c) {
        const double xv = x[r * k + c];
        exact += xv * w[o * k + c];
        bound += std::fabs(xv) * q.scales[o * blocks + c / block] * 0.5;
        if (accuracy == 4) bound += std::fabs(wd[o * k + c]) * act_scale[c / block] * 0.5;
        magnitude += std::fabs(xv * w[o * k + c]);
      }
      bound += 1e-4 * magnitude;
      const double err = std::fabs(y[r * n + o] - exact);
      ASSERT_LE(err, bound) << "row " << r << " output " << o;
      worst_ratio = std::max(worst_ratio, err / bound);
    }
  }
  RecordProperty("worst_error_over_bound", std::to_string(worst_ratio));
}

INSTANTIATE_TEST_SUITE_P(BitsBlockKAccuracy, NBits,
                         ::testing::Combine(::testing::Values(4, 8), ::testing::Values(int64_t{32}, int64_t{128}),
                                            ::testing::Values(int64_t{256}, int64_t{200}), ::testing::Values(1, 4),
                                            ::testing::Bool()));

TEST(Quantize, DynamicQuantizeMatMulPerChannelMatchesFp32WithinTheBound) {
  const int64_t m = 3, n = 40, k = 200;
  std::vector<float> w = random_weight(n, k, 31), x = random_activations(m, k, 32);
  ChannelQuantized q = quantize_per_channel_int8(w, n, k);
  GraphBuilder g("dqmm");
  const std::string in = g.add_input("x", ElemType::kFloat, {"m", k});
  g.add_output(add_dynamic_quantize_matmul(g, in, "w", q), ElemType::kFloat, {"m", n}, "y");
  onnx::ModelProto model = std::move(g).build();
  check_model(model);
  Ort::Session session = test::session_from_model(model);
  std::vector<TensorIn> inputs = {{"x", {m, k}, x}};
  std::vector<float> y = run(session, inputs, {"y"})[0].data;

  // A is quantized per tensor to uint8 over [min(x, 0), max(x, 0)]: s_a = range / 255.
  float lo = 0.0f, hi = 0.0f;
  for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
  const double act_scale = (hi - lo) / 255.0;
  const std::vector<float> wd = dequantize(q);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t o = 0; o < n; ++o) {
      double exact = 0.0, bound = 0.0, magnitude = 0.0;
      for (int64_t c = 0; c < k; ++c) {
        exact += static_cast<double>(x[r * k + c]) * w[o * k + c];
        bound += std::fabs(x[r * k + c]) * q.scales[o] * 0.5 + std::fabs(wd[o * k + c]) * act_scale * 0.5;
        magnitude += std::fabs(x[r * k + c] * w[o * k + c]);
      }
      ASSERT_LE(std::fabs(y[r * n + o] - exact), bound + 1e-4 * magnitude) << "row " << r << " output " << o;
    }
  }
}

}  // namespace
}  // namespace fishtts::convert
