// The bf16 conv custom op (ort/conv1d_bf16_op.h) against a conv evaluated in double: plain bf16 within bf16's
// rounding, the three-term split within ~2^-16; stride, dilation, the state input and output (a causal
// stream cut anywhere gives the whole result bit for bit), tiles over the thread pool, and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "convert/graph_builder.h"
#include "hw/cpu_info.h"
#include "ort/conv1d_bf16_op.h"
#include "ort/custom_ops.h"
#include "support/ort_runner.h"
#include "support/random.h"

namespace {

using namespace fishtts;

struct Conv {
  int64_t cin = 0, cout = 0, kernel = 0, dilation = 1, stride = 1, terms = 3;
  std::vector<float> w, b;
  int64_t span() const { return (kernel - 1) * dilation + 1; }
};

using test::random_normal;

Conv make_conv(int64_t cin, int64_t cout, int64_t kernel, int64_t dilation, int64_t stride, int64_t terms) {
  Conv c{cin, cout, kernel, dilation, stride, terms, {}, {}};
  c.w = random_normal(static_cast<size_t>(cout * cin * kernel), 11, 1.0f / std::sqrt(static_cast<float>(cin * kernel)));
  c.b = random_normal(static_cast<size_t>(cout), 12, 0.1f);
  return c;
}

// y [rows_out, cout] of x [rows, cin] (channels last) in double, and the sum of |x w| per output (the scale of
// the rounding error).
void reference(const Conv& c, const std::vector<float>& x, int64_t rows, std::vector<double>& y, std::vector<double>& mag) {
  const int64_t out = (rows - c.span()) / c.stride + 1;
  y.assign(static_cast<size_t>(out * c.cout), 0.0);
  mag.assign(y.size(), 0.0);
  for (int64_t t = 0; t < out; ++t) {
    for (int64_t o = 0; o < c.cout; ++o) {
      double sum = c.b[static_cast<size_t>(o)], m = 0.0;
      for (int64_t i = 0; i < c.cin; ++i) {
        for (int64_t k = 0; k < c.kernel; ++k) {
          const double p = double(x[static_cast<size_t>((t * c.stride + k * c.dilation) * c.cin + i)]) *
                           c.w[static_cast<size_t>((o * c.cin + i) * c.kernel + k)];
          sum += p;
          m += std::fabs(p);
        }
      }
      y[static_cast<size_t>(t * c.cout + o)] = sum;
      mag[static_cast<size_t>(t * c.cout + o)] = m;
    }
  }
}

onnx::ModelProto conv_graph(const Conv& c, bool with_state) {
  convert::GraphBuilder g("conv");
  const std::string x = g.add_input("x", convert::ElemType::kFloat, {1, "steps", "channels"});  // the op checks them
  std::vector<std::string> inputs = {x, g.add_initializer("w", std::span<const float>(c.w), {c.cout, c.cin, c.kernel}),
                                     g.add_initializer("b", std::span<const float>(c.b), {c.cout})};
  if (with_state) inputs.push_back(g.add_input("state", convert::ElemType::kFloat, {1, c.span() - c.stride, c.cin}));
  const auto out = g.add_node(ort::kConv1dBf16Op, inputs,
                              {{"dilation", c.dilation}, {"stride", c.stride}, {"terms", c.terms}}, with_state ? 2 : 1,
                              ort::kCustomDomain);
  g.add_output(out[0], convert::ElemType::kFloat, {1, "out_steps", c.cout}, "y");
  if (with_state) g.add_output(out[1], convert::ElemType::kFloat, {1, c.span() - c.stride, c.cin}, "state_out");
  return std::move(g).build();
}

class Runner {
 public:
  Runner(const Conv& c, bool with_state) {
    Ort::SessionOptions options = test::test_session_options(2);
    ort::add_custom_ops(options);
    const std::string bytes = convert::serialize_model(conv_graph(c, with_state));
    session_ = std::make_unique<Ort::Session>(ort::env(), bytes.data(), bytes.size(), options);
  }
  std::vector<test::TensorOut> run(const Conv& c, const std::vector<float>& x, const std::vector<float>* state = nullptr) {
    std::vector<test::TensorIn> in = {{"x", {1, static_cast<int64_t>(x.size()) / c.cin, c.cin}, x}};
    if (state) in.push_back({"state", {1, static_cast<int64_t>(state->size()) / c.cin, c.cin}, *state});
    return test::run(*session_, in, state ? std::vector<std::string>{"y", "state_out"} : std::vector<std::string>{"y"});
  }

 private:
  std::unique_ptr<Ort::Session> session_;
};

bool cpu_has_bf16_convs() { return hw::detect_cpu().isa.avx512f; }

// Worst |y - ref| / sum |x w| over the outputs.
double worst_relative(const std::vector<float>& y, const std::vector<double>& ref, const std::vector<double>& mag) {
  EXPECT_EQ(y.size(), ref.size());
  double worst = 0.0;
  for (size_t i = 0; i < std::min(y.size(), ref.size()); ++i) worst = std::max(worst, std::fabs(y[i] - ref[i]) / mag[i]);
  return worst;
}

TEST(Conv1dBf16Op, PlainAndSplitMatchADoubleConv) {
  if (!cpu_has_bf16_convs()) GTEST_SKIP() << "oneDNN's bf16 convolution needs AVX-512";
  for (const auto& [kernel, dilation, stride] : {std::tuple{7, 3, 1}, std::tuple{1, 1, 1}, std::tuple{4, 1, 2}}) {
    for (int64_t terms : {1, 3}) {
      const Conv c = make_conv(48, 40, kernel, dilation, stride, terms);
      const int64_t rows = 301;
      const std::vector<float> x = random_normal(static_cast<size_t>(rows * c.cin), 5);
      std::vector<double> ref, mag;
      reference(c, x, rows, ref, mag);
      const auto out = Runner(c, false).run(c, x);
      ASSERT_EQ(out[0].shape, (std::vector<int64_t>{1, (rows - c.span()) / stride + 1, c.cout}));
      const double worst = worst_relative(out[0].data, ref, mag);
      // bf16 keeps 8 significant bits: each product is off by up to ~2 * 2^-9 of |x w|; the split by ~3 * 2^-17.
      EXPECT_LT(worst, terms == 1 ? 4e-3 : 3e-5) << "kernel " << kernel << " terms " << terms;
      if (terms == 3) EXPECT_GT(worst, 0.0);  // it did run in reduced precision, not in fp32
      std::printf("kernel %d dilation %d stride %d, %lld term(s): worst error %.3g of sum |x w|\n", kernel, dilation,
                  stride, static_cast<long long>(terms), worst);
    }
  }
}

TEST(Conv1dBf16Op, StateCarriesTheCausalContextAcrossCalls) {
  if (!cpu_has_bf16_convs()) GTEST_SKIP() << "oneDNN's bf16 convolution needs AVX-512";
  const Conv c = make_conv(32, 24, 7, 2, 1, 3);
  const int64_t pad = c.span() - c.stride, rows = 5000;  // several L2 tiles and both pool threads
  const std::vector<float> x = random_normal(static_cast<size_t>(rows * c.cin), 8);
  Runner runner(c, true);
  // Whole: zero state, as at the start of an utterance.
  std::vector<float> zeros(static_cast<size_t>(pad * c.cin), 0.0f);
  const auto whole = runner.run(c, x, &zeros);
  std::vector<float> padded(zeros);
  padded.insert(padded.end(), x.begin(), x.end());
  std::vector<double> ref, mag;
  reference(c, padded, rows + pad, ref, mag);
  EXPECT_LT(worst_relative(whole[0].data, ref, mag), 3e-5);
  // The state out is the last `pad` rows.
  EXPECT_EQ(whole[1].data, std::vector<float>(x.end() - pad * c.cin, x.end()));
  // Cut in three uneven calls, the state handed on: the same outputs.
  std::vector<float> state = zeros, streamed;
  for (const auto& [first, count] : {std::pair<int64_t, int64_t>{0, 3}, {3, 1700}, {1703, rows - 1703}}) {
    const std::vector<float> part(x.begin() + first * c.cin, x.begin() + (first + count) * c.cin);
    const auto out = runner.run(c, part, &state);
    streamed.insert(streamed.end(), out[0].data.begin(), out[0].data.end());
    state = out[1].data;
  }
  ASSERT_EQ(streamed.size(), whole[0].data.size());
  EXPECT_EQ(streamed, whole[0].data) << "streamed vs whole: one tile length, one kernel, bit for bit";
}

TEST(Conv1dBf16Op, WrongChannelsAreAClearError) {
  if (!cpu_has_bf16_convs()) GTEST_SKIP() << "oneDNN's bf16 convolution needs AVX-512";
  const Conv c = make_conv(8, 4, 3, 1, 1, 1);
  try {
    Runner(c, false).run(Conv{9, 4, 3, 1, 1, 1, {}, {}}, std::vector<float>(9 * 10, 1.0f));
    FAIL() << "expected an error";
  } catch (const Ort::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("Conv1dBf16: x must be [N, L, 8]"), std::string::npos) << e.what();
  }
}

TEST(Conv1dBf16Op, ReportsItsImplementation) {
  if (!cpu_has_bf16_convs()) GTEST_SKIP() << "oneDNN's bf16 convolution needs AVX-512";
  const std::string impl = ort::conv1d_bf16_implementation(192, 192, 7, 1024);
  EXPECT_FALSE(impl.empty());
  std::printf("oneDNN implementation of a 192-channel k7 conv here: %s\n", impl.c_str());
  if (hw::detect_cpu().isa.amx_bf16) EXPECT_NE(impl.find("amx"), std::string::npos) << impl;
}

}  // namespace
