// The fused Snake custom op (ort/snake_op.h): every ISA build of the row kernel against the formula evaluated in
// double, results independent of an element's position in the run (what keeps streaming decode == whole decode),
// the ORT op against the five-node decomposition the converter emits with fused_snake = false (several channel
// counts, batch > 1, tails that are no multiple of any SIMD width, large |alpha x|, alpha 0 and near 0), and
// its errors.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "convert/graph_builder.h"
#include "hw/cpu_info.h"
#include "ort/snake_kernel.h"
#include "ort/custom_ops.h"
#include "ort/snake_op.h"
#include "support/ort_runner.h"

namespace {

using namespace fishtts;

// Alphas covering the cases that matter: 0 (inv = 1e9, sin = 0), near 0 (the 1e-9 shifts the reciprocal),
// negative, typical (trained DAC alphas are ~0.1-10), and large.
const std::vector<float> kAlphas = {0.0f, 1e-10f, 3e-9f, 1e-4f, -0.7f, 0.25f, 1.0f, 3.3f, 37.5f};

float inverse(float alpha) { return 1.0f / (alpha + 1e-9f); }

// Inputs spanning small values, typical activations and arguments past Eigen's range-reduction thresholds
// (|alpha x| > 117435, where it switches to its slow exact reduction).
std::vector<float> test_inputs(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::uniform_real_distribution<float> huge(-3e5f, 3e5f);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = i % 13 == 5 ? huge(rng) : normal(rng);
  return x;
}

struct Build {
  const char* name;
  ort::SnakeRowFn fn;
};

std::vector<Build> builds_this_cpu_runs() {
  const hw::IsaFeatures isa = hw::detect_cpu().isa;
  std::vector<Build> builds = {{"baseline", ort::snake_detail::snake_row_baseline}};
  if (isa.avx2 && isa.fma) builds.push_back({"avx2", ort::snake_detail::snake_row_avx2});
  if (isa.avx512f && isa.avx512bw) builds.push_back({"avx512", ort::snake_detail::snake_row_avx512});
  return builds;
}

// Allowed error of one output: a few float ulps of the sum and of the sine term (sin's error is multiplied by
// 2 inv |s| on the way to y).
double tolerance(float x, float inv, double s) {
  return 8.0 * FLT_EPSILON * (std::fabs(x) + std::fabs(inv) * std::fabs(s) * (std::fabs(s) + 2.0)) + 1e-30;
}

TEST(SnakeKernel, EveryBuildMatchesTheFormulaInDouble) {
  for (const Build& b : builds_this_cpu_runs()) {
    double worst_ratio = 0.0, worst_abs = 0.0;
    for (size_t n : {1u, 7u, 15u, 16u, 17u, 63u, 255u, 256u, 257u, 1001u}) {
      const std::vector<float> x = test_inputs(n, static_cast<unsigned>(n));
      std::vector<float> y(n);
      for (float alpha : kAlphas) {
        const float inv = inverse(alpha);
        b.fn(x.data(), y.data(), n, alpha, inv);
        for (size_t i = 0; i < n; ++i) {
          const double s = std::sin(static_cast<double>(alpha * x[i]));  // the argument is rounded to float first
          const double ref = x[i] + static_cast<double>(inv) * s * s;
          const double err = std::fabs(y[i] - ref);
          ASSERT_LE(err, tolerance(x[i], inv, s))
              << b.name << " n " << n << " alpha " << alpha << " x " << x[i] << ": " << y[i] << " vs " << ref;
          worst_ratio = std::max(worst_ratio, err / tolerance(x[i], inv, s));
          if (std::fabs(alpha * x[i]) < 100.0f && std::fabs(inv) <= 10.0f) worst_abs = std::max(worst_abs, err);
        }
      }
    }
    std::printf("%s: max error %.3g of the tolerance; max abs error %.3g (|alpha x| < 100, |inv| <= 10)\n", b.name,
                worst_ratio, worst_abs);
  }
}

TEST(SnakeKernel, ResultDoesNotDependOnThePositionInTheRun) {
  const std::vector<float> values = test_inputs(300, 7);
  for (const Build& b : builds_this_cpu_runs()) {
    std::vector<float> alone(values.size());
    b.fn(values.data(), alone.data(), values.size(), 1.3f, inverse(1.3f));
    // The same values behind every offset up to a block, in runs ending at odd lengths.
    for (size_t offset : {1u, 3u, 8u, 13u, 16u, 250u, 256u}) {
      std::vector<float> x = test_inputs(offset, 99);
      x.insert(x.end(), values.begin(), values.end());
      std::vector<float> y(x.size());
      b.fn(x.data(), y.data(), x.size(), 1.3f, inverse(1.3f));
      for (size_t i = 0; i < values.size(); ++i) {
        ASSERT_EQ(y[offset + i], alone[i]) << b.name << " offset " << offset << " element " << i;
      }
    }
  }
}

TEST(SnakeKernel, DispatchPicksABuildThisCpuRuns) {
  const std::string isa = ort::snake_row_isa();
  std::vector<std::string> names;
  for (const Build& b : builds_this_cpu_runs()) names.push_back(b.name);
  EXPECT_EQ(isa, names.back());  // the widest one
}

// x [dims] -> fused Snake and the decomposition (Mul, Sin, Mul, Mul, Add) of codec_layers' standard path.
onnx::ModelProto fused_and_decomposed(const std::vector<int64_t>& dims, const std::vector<float>& alpha,
                                      const std::vector<int64_t>& alpha_dims, bool decomposed = true) {
  convert::GraphBuilder g("snake");
  const std::string x = g.add_input("x", convert::ElemType::kFloat, convert::Shape(dims.begin(), dims.end()));
  std::vector<float> inv;
  for (float a : alpha) inv.push_back(inverse(a));
  const std::string a = g.add_initializer("alpha", std::span<const float>(alpha), alpha_dims);
  const std::string r = g.add_initializer("alpha.inv", std::span<const float>(inv), alpha_dims);
  const convert::Shape out(dims.begin(), dims.end());
  g.add_output(g.op(ort::kSnakeOp, {x, a}, {}, ort::kCustomDomain), convert::ElemType::kFloat, out, "fused");
  if (!decomposed) return std::move(g).build();
  const std::string s = g.sin(g.mul(a, x));
  g.add_output(g.add(x, g.mul(r, g.mul(s, s))), convert::ElemType::kFloat, out, "decomposed");
  return std::move(g).build();
}

std::vector<test::TensorOut> run_graph(const onnx::ModelProto& model, const std::vector<int64_t>& dims,
                                       std::vector<float> x, const std::vector<std::string>& outputs) {
  convert::check_model(model);  // the custom domain is imported: the checker accepts the node unchecked
  Ort::SessionOptions options = test::test_session_options(2);
  ort::add_custom_ops(options);
  const std::string bytes = convert::serialize_model(model);
  Ort::Session session(ort::env(), bytes.data(), bytes.size(), options);
  std::vector<test::TensorIn> inputs = {{"x", dims, std::move(x)}};
  return test::run(session, inputs, outputs);
}

TEST(SnakeOp, MatchesTheDecomposedGraph) {
  struct Case {
    std::vector<int64_t> dims;
    std::vector<int64_t> alpha_dims;
  };
  const int64_t c = static_cast<int64_t>(kAlphas.size());
  for (const Case& k : {Case{{1, c, 1, 1001}, {1, c, 1, 1}}, Case{{2, c, 333}, {1, c, 1}}, Case{{1, c, 1}, {c, 1}}}) {
    int64_t n = 1;
    for (int64_t d : k.dims) n *= d;
    const std::vector<float> x = test_inputs(static_cast<size_t>(n), 3);
    const auto outs = run_graph(fused_and_decomposed(k.dims, kAlphas, k.alpha_dims), k.dims, x, {"fused", "decomposed"});
    ASSERT_EQ(outs[0].shape, k.dims);
    const size_t inner = static_cast<size_t>(k.dims.back() * (k.dims.size() == 4 ? k.dims[2] : 1));
    double worst = 0.0, max_abs = 0.0;
    for (size_t i = 0; i < outs[0].data.size(); ++i) {
      const float alpha = kAlphas[(i / inner) % kAlphas.size()];
      const double s = std::sin(static_cast<double>(alpha * x[i]));
      const double err = std::fabs(outs[0].data[i] - outs[1].data[i]);
      ASSERT_LE(err, 2.0 * tolerance(x[i], inverse(alpha), s)) << "element " << i << " alpha " << alpha << " x " << x[i];
      worst = std::max(worst, err / tolerance(x[i], inverse(alpha), s));
      max_abs = std::max(max_abs, err);
    }
    std::printf("fused vs decomposed, %zu-D x: max abs diff %.3g, %.3g of the tolerance\n", k.dims.size(), max_abs,
                worst);
  }
}

TEST(SnakeOp, AlphaOfTheWrongSizeIsAClearError) {
  const std::vector<int64_t> dims = {1, 4, 10};
  const auto model = fused_and_decomposed(dims, {1.0f, 2.0f, 3.0f}, {3}, false);
  try {
    run_graph(model, dims, std::vector<float>(40, 0.5f), {"fused"});
    FAIL() << "expected an error";
  } catch (const Ort::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("alpha has 3 elements, x has 4 channels"), std::string::npos) << e.what();
  }
}

}  // namespace

namespace {

// Channels last (axis -1, the bf16 decoder's layout): the same values as channels first on the transposed input,
// bit for bit, for channel counts that are no multiple of any block.
TEST(SnakeOp, ChannelsLastEqualsChannelsFirstTransposed) {
  for (int64_t channels : {int64_t{9}, int64_t{96}, int64_t{1537}}) {
    const int64_t steps = 301;
    std::vector<float> alpha(static_cast<size_t>(channels));
    for (size_t c = 0; c < alpha.size(); ++c) alpha[c] = kAlphas[c % kAlphas.size()] * (1.0f + 0.01f * static_cast<float>(c));
    const std::vector<float> x_last = test_inputs(static_cast<size_t>(steps * channels), 11);  // [1, steps, C]
    std::vector<float> x_first(x_last.size());                                                  // [1, C, steps]
    for (int64_t t = 0; t < steps; ++t) {
      for (int64_t c = 0; c < channels; ++c) x_first[static_cast<size_t>(c * steps + t)] = x_last[static_cast<size_t>(t * channels + c)];
    }
    convert::GraphBuilder g("snake-last");
    const std::string x = g.add_input("x", convert::ElemType::kFloat, {1, steps, channels});
    const std::string a = g.add_initializer("alpha", std::span<const float>(alpha), {channels});
    g.add_output(g.op(ort::kSnakeOp, {x, a}, {{"axis", int64_t{-1}}}, ort::kCustomDomain), convert::ElemType::kFloat,
                 {1, steps, channels}, "fused");
    const auto last = run_graph(std::move(g).build(), {1, steps, channels}, x_last, {"fused"});
    const auto first = run_graph(fused_and_decomposed({1, channels, steps}, alpha, {1, channels, 1}, false),
                                 {1, channels, steps}, x_first, {"fused"});
    size_t mismatches = 0;
    for (int64_t t = 0; t < steps; ++t) {
      for (int64_t c = 0; c < channels; ++c) {
        mismatches += last[0].data[static_cast<size_t>(t * channels + c)] != first[0].data[static_cast<size_t>(c * steps + t)];
      }
    }
    EXPECT_EQ(mismatches, 0u) << channels << " channels";
  }
}

}  // namespace
