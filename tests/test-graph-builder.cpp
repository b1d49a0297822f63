// GraphBuilder + save_model: graphs built with the builder run in ONNX Runtime and match plain C++
// references; the contrib ops issue 5 builds on (RotaryEmbedding, SimplifiedLayerNormalization,
// SkipSimplifiedLayerNormalization, GroupQueryAttention) behave as the spec needs; models pass the checker;
// the external-data format round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "common/error.h"
#include "convert/graph_builder.h"
#include "convert/model_file.h"
#include "support/ort_runner.h"
#include "support/random.h"

namespace fishtts::convert {
namespace {

using test::run;
using test::TensorIn;

using test::random_normal;

void expect_close(const std::vector<float>& got, const std::vector<float>& want, float tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::fabs(want[i]))) << what << " at " << i;
  }
}

// A unique scratch directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() / ("fishtts-gb-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ---- a tiny MLP against a plain C++ reference ----------------------------------------------------------------

struct Mlp {
  static constexpr int64_t kIn = 8, kHidden = 16, kOut = 4;
  std::vector<float> w1 = random_normal(kIn * kHidden, 1, 0.5f);  // [K, N] for MatMul
  std::vector<float> b1 = random_normal(kHidden, 2, 0.1f);
  std::vector<float> w2 = random_normal(kOut * kHidden, 3, 0.5f);  // [N, K] for Gemm transB
  std::vector<float> b2 = random_normal(kOut, 4, 0.1f);

  onnx::ModelProto build() const {
    GraphBuilder g("mlp");
    const std::string x = g.add_input("x", ElemType::kFloat, {"batch", kIn});
    std::string h = g.add(g.matmul(x, g.add_initializer("fc1.weight", std::span<const float>(w1), {kIn, kHidden})),
                          g.add_initializer("fc1.bias", std::span<const float>(b1), {kHidden}));
    // exact GELU: 0.5 x (1 + erf(x / sqrt 2))
    h = g.mul(g.mul(h, g.const_f32(0.5f)), g.add(g.const_f32(1.0f), g.erf(g.div(h, g.const_f32(std::sqrt(2.0f))))));
    const std::string logits = g.gemm(h, g.add_initializer("fc2.weight", std::span<const float>(w2), {kOut, kHidden}),
                                      g.add_initializer("fc2.bias", std::span<const float>(b2), {kOut}), true);
    g.add_output(g.softmax(logits), ElemType::kFloat, {"batch", kOut}, "probs");
    return std::move(g).build();
  }

  std::vector<float> reference(const std::vector<float>& x, int64_t batch) const {
    std::vector<float> out;
    for (int64_t r = 0; r < batch; ++r) {
      std::vector<double> h(kHidden), z(kOut);
      for (int64_t j = 0; j < kHidden; ++j) {
        double s = b1[j];
        for (int64_t i = 0; i < kIn; ++i) s += static_cast<double>(x[r * kIn + i]) * w1[i * kHidden + j];
        h[j] = 0.5 * s * (1.0 + std::erf(s / std::sqrt(2.0)));
      }
      double zmax = -1e300, zsum = 0.0;
      for (int64_t o = 0; o < kOut; ++o) {
        double s = b2[o];
        for (int64_t j = 0; j < kHidden; ++j) s += h[j] * w2[o * kHidden + j];
        z[o] = s;
        zmax = std::max(zmax, s);
      }
      for (double& v : z) zsum += (v = std::exp(v - zmax));
      for (double v : z) out.push_back(static_cast<float>(v / zsum));
    }
    return out;
  }
};

TEST(GraphBuilder, TinyMlpMatchesCppReference) {
  Mlp mlp;
  onnx::ModelProto model = mlp.build();
  check_model(model);
  Ort::Session session = test::session_from_model(model);
  const int64_t batch = 3;  // the symbolic "batch" dimension takes any size
  std::vector<float> x = random_normal(batch * Mlp::kIn, 5);
  std::vector<TensorIn> in = {{"x", {batch, Mlp::kIn}, x}};
  auto out = run(session, in, {"probs"});
  EXPECT_EQ(out[0].shape, (std::vector<int64_t>{batch, Mlp::kOut}));
  expect_close(out[0].data, mlp.reference(x, batch), 1e-5f, "mlp");
}

// ---- shape plumbing: Transpose, Reshape, Slice, Gather, Concat, ReduceMean ----------------------------------

TEST(GraphBuilder, ShapeOpsMatchCppReference) {
  GraphBuilder g("plumbing");
  const std::string x = g.add_input("x", ElemType::kFloat, {2, 3, 4});
  const std::string idx = g.add_input("idx", ElemType::kInt64, {2});
  std::vector<float> table = random_normal(5 * 3, 7);
  const std::string t = g.transpose(x, {0, 2, 1});           // [2, 4, 3]
  const std::string r = g.reshape(t, std::vector<int64_t>{8, 3});
  const std::string s = g.slice(r, {1}, {8}, {0}, {2});      // rows 1, 3, 5, 7 -> [4, 3]
  const std::string gat = g.gather(g.add_initializer("table", std::span<const float>(table), {5, 3}), idx);  // [2, 3]
  const std::string cat = g.concat({s, gat}, 0);             // [6, 3]
  g.add_output(cat, ElemType::kFloat, {6, 3}, "cat");
  g.add_output(g.reduce_mean(cat, {1}, false), ElemType::kFloat, {6}, "mean");
  onnx::ModelProto model = std::move(g).build();
  check_model(model);

  std::vector<float> xv = random_normal(24, 8);
  std::vector<int64_t> iv = {4, 1};
  std::vector<float> want_cat;
  for (int64_t row : {1, 3, 5, 7}) {  // row of the [8, 3] view of x transposed to [2, 4, 3]
    const int64_t b = row / 4, j = row % 4;
    for (int64_t i = 0; i < 3; ++i) want_cat.push_back(xv[b * 12 + i * 4 + j]);
  }
  for (int64_t id : iv) {
    for (int64_t i = 0; i < 3; ++i) want_cat.push_back(table[id * 3 + i]);
  }
  std::vector<float> want_mean;
  for (int64_t r2 = 0; r2 < 6; ++r2) want_mean.push_back((want_cat[r2 * 3] + want_cat[r2 * 3 + 1] + want_cat[r2 * 3 + 2]) / 3.0f);

  Ort::Session session = test::session_from_model(model);
  std::vector<TensorIn> in = {{"x", {2, 3, 4}, xv}, {"idx", {2}, iv}};
  auto out = run(session, in, {"cat", "mean"});
  expect_close(out[0].data, want_cat, 0.0f, "cat");
  expect_close(out[1].data, want_mean, 1e-6f, "mean");
}

// ---- Conv (grouped, dilated, causal left pad) and ConvTranspose (strided) --------------------------------------

TEST(GraphBuilder, Conv1dAndConvTransposeMatchCppReference) {
  const int64_t cin = 4, cmid = 6, cout = 3, len = 10, k = 3, dil = 2, groups = 2, kt = 4, stride = 2;
  std::vector<float> w = random_normal(cmid * (cin / groups) * k, 11), b = random_normal(cmid, 12);
  std::vector<float> wt = random_normal(cmid * cout * kt, 13), bt = random_normal(cout, 14);
  GraphBuilder g("conv");
  const std::string x = g.add_input("x", ElemType::kFloat, {1, cin, "time"});
  const std::string c = g.conv(x, g.add_initializer("w", std::span<const float>(w), {cmid, cin / groups, k}),
                               g.add_initializer("b", std::span<const float>(b), {cmid}),
                               {.pads = {(k - 1) * dil, 0}, .dilations = {dil}, .group = groups});
  const std::string y = g.conv_transpose(c, g.add_initializer("wt", std::span<const float>(wt), {cmid, cout, kt}),
                                         g.add_initializer("bt", std::span<const float>(bt), {cout}), {.strides = {stride}});
  g.add_output(c, ElemType::kFloat, {1, cmid, "time"}, "c");
  g.add_output(y, ElemType::kFloat, {1, cout, "out_time"}, "y");
  onnx::ModelProto model = std::move(g).build();
  check_model(model);

  std::vector<float> xv = random_normal(cin * len, 15);
  // causal grouped dilated conv: c[o, t] = b[o] + sum_{i in group(o), j} w[o, i, j] * x[i, t + j*dil - (k-1)*dil]
  std::vector<float> want_c(cmid * len);
  const int64_t per_group_in = cin / groups, per_group_out = cmid / groups;
  for (int64_t o = 0; o < cmid; ++o) {
    for (int64_t t = 0; t < len; ++t) {
      double s = b[o];
      for (int64_t i = 0; i < per_group_in; ++i) {
        const int64_t ci = (o / per_group_out) * per_group_in + i;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t src = t + j * dil - (k - 1) * dil;
          if (src >= 0) s += static_cast<double>(w[(o * per_group_in + i) * k + j]) * xv[ci * len + src];
        }
      }
      want_c[o * len + t] = static_cast<float>(s);
    }
  }
  const int64_t out_len = (len - 1) * stride + kt;
  std::vector<double> acc(cout * out_len);
  for (int64_t o = 0; o < cout; ++o) for (int64_t t = 0; t < out_len; ++t) acc[o * out_len + t] = bt[o];
  for (int64_t i = 0; i < cmid; ++i)
    for (int64_t t = 0; t < len; ++t)
      for (int64_t o = 0; o < cout; ++o)
        for (int64_t j = 0; j < kt; ++j) acc[o * out_len + t * stride + j] += static_cast<double>(want_c[i * len + t]) * wt[(i * cout + o) * kt + j];
  std::vector<float> want_y(acc.begin(), acc.end());

  Ort::Session session = test::session_from_model(model);
  std::vector<TensorIn> in = {{"x", {1, cin, len}, xv}};
  auto out = run(session, in, {"c", "y"});
  expect_close(out[0].data, want_c, 1e-5f, "conv");
  EXPECT_EQ(out[1].shape, (std::vector<int64_t>{1, cout, out_len}));
  expect_close(out[1].data, want_y, 1e-5f, "conv_transpose");
}

// ---- RotaryEmbedding (interleaved) vs spec 2.4's adjacent-pair rotation -------------------------------------

TEST(GraphBuilder, RotaryEmbeddingInterleavedMatchesSpecRotation) {
  const int64_t seq = 5, heads = 3, dim = 8, max_pos = 32, start = 3;
  std::vector<float> cos_cache(max_pos * dim / 2), sin_cache(max_pos * dim / 2);
  for (int64_t p = 0; p < max_pos; ++p) {
    for (int64_t j = 0; j < dim / 2; ++j) {
      const float freq = 1.0f / std::pow(10000.0f, static_cast<float>(2 * j) / dim);
      cos_cache[p * dim / 2 + j] = std::cos(static_cast<float>(p) * freq);
      sin_cache[p * dim / 2 + j] = std::sin(static_cast<float>(p) * freq);
    }
  }
  GraphBuilder g("rope");
  const std::string x = g.add_input("x", ElemType::kFloat, {1, "seq", heads * dim});
  const std::string pos = g.add_input("pos", ElemType::kInt64, {1, "seq"});
  const std::string c = g.add_initializer("cos", std::span<const float>(cos_cache), {max_pos, dim / 2});
  const std::string s = g.add_initializer("sin", std::span<const float>(sin_cache), {max_pos, dim / 2});
  g.add_output(g.rotary_embedding(x, pos, c, s, {.interleaved = 1, .num_heads = heads}), ElemType::kFloat,
               {1, "seq", heads * dim}, "y");
  // The same on a 4-D [B, H, S, D] input, the layout after a head split.
  const std::string x4 = g.add_input("x4", ElemType::kFloat, {1, heads, "seq", dim});
  g.add_output(g.rotary_embedding(x4, pos, c, s, {.interleaved = 1}), ElemType::kFloat, {1, heads, "seq", dim}, "y4");
  onnx::ModelProto model = std::move(g).build();
  check_model(model);

  std::vector<float> xv = random_normal(seq * heads * dim, 21);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < seq; ++t) positions.push_back(start + t);
  std::vector<float> x4v(xv.size());  // [S, H, D] -> [H, S, D]
  for (int64_t t = 0; t < seq; ++t)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t d = 0; d < dim; ++d) x4v[(h * seq + t) * dim + d] = xv[(t * heads + h) * dim + d];

  std::vector<float> want(xv.size());
  for (int64_t t = 0; t < seq; ++t) {
    for (int64_t h = 0; h < heads; ++h) {
      const float* in = &xv[(t * heads + h) * dim];
      float* o = &want[(t * heads + h) * dim];
      for (int64_t j = 0; j < dim / 2; ++j) {
        const float cs = cos_cache[positions[t] * dim / 2 + j], sn = sin_cache[positions[t] * dim / 2 + j];
        o[2 * j] = in[2 * j] * cs - in[2 * j + 1] * sn;
        o[2 * j + 1] = in[2 * j + 1] * cs + in[2 * j] * sn;
      }
    }
  }
  std::vector<float> want4(want.size());
  for (int64_t t = 0; t < seq; ++t)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t d = 0; d < dim; ++d) want4[(h * seq + t) * dim + d] = want[(t * heads + h) * dim + d];

  Ort::Session session = test::session_from_model(model);
  std::vector<TensorIn> in = {{"x", {1, seq, heads * dim}, xv}, {"pos", {1, seq}, positions}, {"x4", {1, heads, seq, dim}, x4v}};
  auto out = run(session, in, {"y", "y4"});
  expect_close(out[0].data, want, 1e-6f, "rope 3-D");
  expect_close(out[1].data, want4, 1e-6f, "rope 4-D");
}

// ---- RMSNorm three ways ---------------------------------------------------------------------------------------

TEST(GraphBuilder, RmsNormVariantsMatchCppRmsNorm) {
  const int64_t rows = 6, dim = 32;
  const float eps = 1e-6f;
  std::vector<float> weight = random_normal(dim, 31, 1.0f);
  GraphBuilder g("rmsnorm");
  const std::string x = g.add_input("x", ElemType::kFloat, {2, 3, dim});
  const std::string skip = g.add_input("skip", ElemType::kFloat, {2, 3, dim});
  const std::string w = g.add_initializer("norm.weight", std::span<const float>(weight), {dim});
  g.add_output(g.simplified_layer_norm(x, w, eps), ElemType::kFloat, {2, 3, dim}, "simplified");
  g.add_output(g.rms_norm(x, w, eps), ElemType::kFloat, {2, 3, dim}, "composed");
  auto [normed, sum] = g.skip_simplified_layer_norm(x, skip, w, eps);
  g.add_output(normed, ElemType::kFloat, {2, 3, dim}, "skip_normed");
  g.add_output(sum, ElemType::kFloat, {2, 3, dim}, "skip_sum");
  onnx::ModelProto model = std::move(g).build();

  std::vector<float> xv = random_normal(rows * dim, 32, 3.0f), sv = random_normal(rows * dim, 33, 2.0f);
  auto rms_norm = [&](const std::vector<float>& v) {
    std::vector<float> out(v.size());
    for (int64_t r = 0; r < rows; ++r) {
      double ss = 0.0;
      for (int64_t d = 0; d < dim; ++d) ss += static_cast<double>(v[r * dim + d]) * v[r * dim + d];
      const double inv = 1.0 / std::sqrt(ss / dim + eps);
      for (int64_t d = 0; d < dim; ++d) out[r * dim + d] = static_cast<float>(v[r * dim + d] * inv * weight[d]);
    }
    return out;
  };
  std::vector<float> summed(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) summed[i] = xv[i] + sv[i];

  Ort::Session session = test::session_from_model(model);
  std::vector<TensorIn> in = {{"x", {2, 3, dim}, xv}, {"skip", {2, 3, dim}, sv}};
  auto out = run(session, in, {"simplified", "composed", "skip_normed", "skip_sum"});
  expect_close(out[0].data, rms_norm(xv), 1e-5f, "SimplifiedLayerNormalization");
  expect_close(out[1].data, rms_norm(xv), 1e-5f, "rms_norm from standard ops");
  expect_close(out[2].data, rms_norm(summed), 1e-5f, "SkipSimplifiedLayerNormalization output");
  expect_close(out[3].data, summed, 0.0f, "SkipSimplifiedLayerNormalization sum");
}

// rms_norm() is the checker-clean spelling: the stock checker accepts it, and ORT's optimizer turns it into the
// same SimplifiedLayerNormalization kernel (checked in the optimized model ORT writes out).
TEST(GraphBuilder, ComposedRmsNormIsCheckerCleanAndFusedByOrt) {
  TempDir dir;
  const int64_t dim = 16;
  std::vector<float> weight = random_normal(dim, 34);
  GraphBuilder g("rms");
  const std::string x = g.add_input("x", ElemType::kFloat, {"rows", dim});
  g.add_output(g.rms_norm(x, g.add_initializer("w", std::span<const float>(weight), {dim}), 1e-6f), ElemType::kFloat,
               {"rows", dim}, "y");
  onnx::ModelProto model = std::move(g).build();
  EXPECT_NO_THROW(check_model(model));

  const std::string optimized = dir.file("optimized.onnx");
  Ort::SessionOptions options = test::test_session_options();
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_EXTENDED);  // where the fusion lives
  options.SetOptimizedModelFilePath(optimized.c_str());
  const std::string bytes = serialize_model(model);
  Ort::Session session(ort::env(), bytes.data(), bytes.size(), options);
  std::vector<std::string> ops;
  const onnx::ModelProto fused = load_model(optimized);
  for (const onnx::NodeProto& node : fused.graph().node()) ops.push_back(node.op_type());
  EXPECT_EQ(ops, (std::vector<std::string>{"SimplifiedLayerNormalization"}));
}

// ---- GroupQueryAttention: prefill then one cached step, against causal GQA attention in C++ --------------------

struct Attention {
  int64_t hq, hkv, dim;
  // q [S, hq*dim] at absolute positions past..past+S-1; k/v [T, hkv*dim] for positions 0..T-1.
  std::vector<float> operator()(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                int64_t past) const {
    const int64_t s = static_cast<int64_t>(q.size()) / (hq * dim);
    std::vector<float> out(q.size());
    for (int64_t t = 0; t < s; ++t) {
      for (int64_t h = 0; h < hq; ++h) {
        const int64_t kvh = h / (hq / hkv);  // repeat-interleave (spec 2.3)
        const int64_t visible = past + t + 1;
        std::vector<double> score(visible);
        double mx = -1e300;
        for (int64_t j = 0; j < visible; ++j) {
          double dot = 0.0;
          for (int64_t d = 0; d < dim; ++d) dot += static_cast<double>(q[(t * hq + h) * dim + d]) * k[(j * hkv + kvh) * dim + d];
          score[j] = dot / std::sqrt(static_cast<double>(dim));
          mx = std::max(mx, score[j]);
        }
        double z = 0.0;
        for (double& sc : score) z += (sc = std::exp(sc - mx));
        for (int64_t d = 0; d < dim; ++d) {
          double acc = 0.0;
          for (int64_t j = 0; j < visible; ++j) acc += score[j] / z * v[(j * hkv + kvh) * dim + d];
          out[(t * hq + h) * dim + d] = static_cast<float>(acc);
        }
      }
    }
    return out;
  }
};

// [S, H*D] rows -> [H, S, D] (the BNSH cache layout, batch 1).
std::vector<float> transpose_to_bnsh(const std::vector<float>& a, int64_t heads, int64_t dim) {
  const int64_t seq = static_cast<int64_t>(a.size()) / (heads * dim);
  std::vector<float> out(a.size());
  for (int64_t t = 0; t < seq; ++t)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t d = 0; d < dim; ++d) out[(h * seq + t) * dim + d] = a[(t * heads + h) * dim + d];
  return out;
}

// Interleaved (adjacent-pair) rotation of every head of the rows of `a` ([rows, heads*dim]) at positions
// first, first+1, ...; the caches are [max_pos, dim/2].
std::vector<float> rotate_rows(std::vector<float> a, int64_t heads, int64_t dim, int64_t first,
                               const std::vector<float>& cos_cache, const std::vector<float>& sin_cache) {
  const int64_t rows = static_cast<int64_t>(a.size()) / (heads * dim);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t h = 0; h < heads; ++h) {
      float* v = &a[(r * heads + h) * dim];
      for (int64_t j = 0; j < dim / 2; ++j) {
        const float c = cos_cache[(first + r) * dim / 2 + j], s = sin_cache[(first + r) * dim / 2 + j];
        const float x0 = v[2 * j], x1 = v[2 * j + 1];
        v[2 * j] = x0 * c - x1 * s;
        v[2 * j + 1] = x1 * c + x0 * s;
      }
    }
  }
  return a;
}

// With do_rotary = 1 and rotary_interleaved = 1, GQA rotates q and k itself (positions from the cache length),
// which lets the slow graph apply its q/k RMSNorm first and leave RoPE to the attention kernel.
class Gqa : public ::testing::TestWithParam<bool> {};

TEST_P(Gqa, PrefillAndCachedStepMatchCppAttention) {
  const bool rotary = GetParam();
  const int64_t hq = 4, hkv = 2, dim = 16, prompt = 5, max_pos = 16;
  std::vector<float> cos_cache(max_pos * dim / 2), sin_cache(max_pos * dim / 2);
  for (int64_t p = 0; p < max_pos; ++p) {
    for (int64_t j = 0; j < dim / 2; ++j) {
      const double angle = static_cast<double>(p) / std::pow(1e6, 2.0 * j / dim);
      cos_cache[p * dim / 2 + j] = static_cast<float>(std::cos(angle));
      sin_cache[p * dim / 2 + j] = static_cast<float>(std::sin(angle));
    }
  }
  GraphBuilder g("gqa");
  const std::string q = g.add_input("q", ElemType::kFloat, {1, "seq", hq * dim});
  const std::string k = g.add_input("k", ElemType::kFloat, {1, "seq", hkv * dim});
  const std::string v = g.add_input("v", ElemType::kFloat, {1, "seq", hkv * dim});
  const std::string pk = g.add_input("past_key", ElemType::kFloat, {1, hkv, "past", dim});
  const std::string pv = g.add_input("past_value", ElemType::kFloat, {1, hkv, "past", dim});
  const std::string seqlens = g.add_input("seqlens_k", ElemType::kInt32, {1});
  const std::string total = g.add_input("total_len", ElemType::kInt32, {});
  std::string cos_name, sin_name;
  if (rotary) {
    cos_name = g.add_initializer("cos", std::span<const float>(cos_cache), {max_pos, dim / 2});
    sin_name = g.add_initializer("sin", std::span<const float>(sin_cache), {max_pos, dim / 2});
  }
  GqaOutputs o = g.group_query_attention(
      {q, k, v, pk, pv, seqlens, total, cos_name, sin_name},
      {.num_heads = hq, .kv_num_heads = hkv, .do_rotary = rotary ? 1 : 0, .rotary_interleaved = 1});
  g.add_output(o.output, ElemType::kFloat, {1, "seq", hq * dim}, "out");
  g.add_output(o.present_key, ElemType::kFloat, {1, hkv, "total", dim}, "present_key");
  g.add_output(o.present_value, ElemType::kFloat, {1, hkv, "total", dim}, "present_value");
  onnx::ModelProto model = std::move(g).build();
  check_model(model);
  Ort::Session session = test::session_from_model(model);

  const int64_t total_len = prompt + 1;
  std::vector<float> qa = random_normal(total_len * hq * dim, 41), ka = random_normal(total_len * hkv * dim, 42),
                     va = random_normal(total_len * hkv * dim, 43);
  auto rows = [](const std::vector<float>& a, int64_t width, int64_t from, int64_t to) {
    return std::vector<float>(a.begin() + from * width, a.begin() + to * width);
  };
  Attention ref{hq, hkv, dim};
  // The reference rotates q and k at their absolute positions; the cache holds rotated keys.
  const std::vector<float> qr = rotary ? rotate_rows(qa, hq, dim, 0, cos_cache, sin_cache) : qa;
  const std::vector<float> kr = rotary ? rotate_rows(ka, hkv, dim, 0, cos_cache, sin_cache) : ka;

  // prefill: empty past
  std::vector<TensorIn> in = {{"q", {1, prompt, hq * dim}, rows(qa, hq * dim, 0, prompt)},
                              {"k", {1, prompt, hkv * dim}, rows(ka, hkv * dim, 0, prompt)},
                              {"v", {1, prompt, hkv * dim}, rows(va, hkv * dim, 0, prompt)},
                              {"past_key", {1, hkv, 0, dim}, std::vector<float>{}},
                              {"past_value", {1, hkv, 0, dim}, std::vector<float>{}},
                              {"seqlens_k", {1}, std::vector<int32_t>{static_cast<int32_t>(prompt - 1)}},
                              {"total_len", {}, std::vector<int32_t>{static_cast<int32_t>(prompt)}}};
  auto pre = run(session, in, {"out", "present_key", "present_value"});
  expect_close(pre[0].data, ref(rows(qr, hq * dim, 0, prompt), kr, va, 0), 1e-5f, "GQA prefill");
  expect_close(pre[1].data, transpose_to_bnsh(rows(kr, hkv * dim, 0, prompt), hkv, dim), 1e-5f, "GQA present_key");
  ASSERT_EQ(pre[1].shape, (std::vector<int64_t>{1, hkv, prompt, dim}));

  // one decode step at position `prompt`, the cache fed back
  in = {{"q", {1, 1, hq * dim}, rows(qa, hq * dim, prompt, prompt + 1)},
        {"k", {1, 1, hkv * dim}, rows(ka, hkv * dim, prompt, prompt + 1)},
        {"v", {1, 1, hkv * dim}, rows(va, hkv * dim, prompt, prompt + 1)},
        {"past_key", {1, hkv, prompt, dim}, pre[1].data},
        {"past_value", {1, hkv, prompt, dim}, pre[2].data},
        {"seqlens_k", {1}, std::vector<int32_t>{static_cast<int32_t>(prompt)}},
        {"total_len", {}, std::vector<int32_t>{static_cast<int32_t>(prompt + 1)}}};
  auto step = run(session, in, {"out", "present_key", "present_value"});
  expect_close(step[0].data, ref(rows(qr, hq * dim, prompt, prompt + 1), kr, va, prompt), 1e-5f, "GQA step");
  EXPECT_EQ(step[1].shape, (std::vector<int64_t>{1, hkv, prompt + 1, dim}));
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutRotary, Gqa, ::testing::Bool());

// ---- names, checker ---------------------------------------------------------------------------------------------

TEST(GraphBuilder, GeneratedNamesAreUniqueAndScoped) {
  GraphBuilder g("names");
  EXPECT_EQ(g.unique_name("w"), "w");
  EXPECT_EQ(g.unique_name("w"), "w_1");
  {
    auto s = g.scope("layers.0");
    auto inner = g.scope("attn");
    EXPECT_EQ(g.unique_name("qkv"), "layers.0/attn/qkv");
  }
  EXPECT_EQ(g.unique_name("qkv"), "qkv");
  const std::string x = g.add_input("x", ElemType::kFloat, {4});
  EXPECT_THROW(g.add_input("x", ElemType::kFloat, {4}), Error);
  EXPECT_NE(g.sigmoid(x), g.sigmoid(x));
}

TEST(GraphBuilder, RawInitializersAreMovedInAndSizeChecked) {
  GraphBuilder g("raw");
  std::vector<float> values = {1.5f, -2.0f, 3.25f};
  std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  const std::string name = g.add_initializer_raw("w", ElemType::kFloat, {3}, std::move(bytes));
  const onnx::TensorProto& t = g.graph().initializer(0);
  EXPECT_EQ(t.name(), name);
  EXPECT_EQ(t.data_type(), onnx::TensorProto_DataType_FLOAT);
  ASSERT_EQ(t.raw_data().size(), 12u);
  EXPECT_EQ(std::memcmp(t.raw_data().data(), values.data(), 12), 0);
  EXPECT_THROW(g.add_initializer_raw("w", ElemType::kFloat, {4}, std::string(12, '\0')), Error);
  EXPECT_THROW(g.add_initializer("v", std::span<const float>(values), {2, 2}), Error);
  EXPECT_THROW(g.slice("x", {0, 1}, {1}, {0}), Error);
}

TEST(GraphBuilder, CheckerAcceptsContribOpsAndRejectsBrokenGraphs) {
  {
    GraphBuilder g("contrib");
    const std::string x = g.add_input("x", ElemType::kFloat, {1, "seq", 8});
    std::vector<float> gamma(8, 1.0f);
    auto [y, sum] = g.skip_simplified_layer_norm(x, x, g.add_initializer("gamma", std::span<const float>(gamma), {8}), 1e-6f);
    g.add_output(y, ElemType::kFloat, {1, "seq", 8});
    onnx::ModelProto model = std::move(g).build();
    EXPECT_NO_THROW(check_model(model));
    ASSERT_EQ(model.opset_import_size(), 2);
    EXPECT_EQ(model.opset_import(1).domain(), "com.microsoft");
  }
  {
    GraphBuilder g("broken");
    const std::string x = g.add_input("x", ElemType::kFloat, {4});
    g.add_output(g.add(x, "not_defined_anywhere"), ElemType::kFloat, {4});
    onnx::ModelProto model = std::move(g).build();
    try {
      check_model(model);
      FAIL() << "the checker accepted a node reading an undefined value";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadFormat);
      EXPECT_NE(std::string(e.what()).find("not_defined_anywhere"), std::string::npos) << e.what();
    }
  }
}

// ---- saving: inline and external data -------------------------------------------------------------------------

TEST(ModelFile, ExternalDataRoundTripRunsAndPassesChecker) {
  TempDir dir;
  Mlp mlp;
  onnx::ModelProto in_memory = mlp.build();
  Ort::Session reference_session = test::session_from_model(in_memory);

  onnx::ModelProto model = mlp.build();
  const std::string path = dir.file("mlp.onnx");
  save_model(model, path, {.external_data_threshold = 0, .min_external_tensor_bytes = 64, .alignment = 4096});
  ASSERT_TRUE(std::filesystem::exists(external_data_path(path)));

  onnx::ModelProto loaded = load_model(path);
  int external = 0;
  for (const onnx::TensorProto& t : loaded.graph().initializer()) {
    if (t.data_location() != onnx::TensorProto_DataLocation_EXTERNAL) {
      EXPECT_LT(t.raw_data().size(), 64u) << t.name() << " should have moved out";
      continue;
    }
    ++external;
    std::map<std::string, std::string> entries;
    for (const auto& e : t.external_data()) entries[e.key()] = e.value();
    EXPECT_EQ(entries["location"], "mlp.onnx.data");
    EXPECT_EQ(std::stoull(entries["offset"]) % 4096, 0u) << t.name();
    int64_t count = 1;
    for (int64_t d : t.dims()) count *= d;
    EXPECT_EQ(std::stoll(entries["length"]), count * 4) << t.name();
    EXPECT_TRUE(t.raw_data().empty());
  }
  EXPECT_EQ(external, 3);  // fc1.weight 512 B, fc2.weight 256 B, fc1.bias 64 B; fc2.bias (16 B) and constants stay
  EXPECT_NO_THROW(check_model_file(path));

  Ort::Session file_session = test::session_from_file(path);
  std::vector<float> x = random_normal(2 * Mlp::kIn, 51);
  std::vector<TensorIn> in = {{"x", {2, Mlp::kIn}, x}};
  auto want = run(reference_session, in, {"probs"});
  auto got = run(file_session, in, {"probs"});
  expect_close(got[0].data, want[0].data, 0.0f, "external-data model vs in-memory model");

  // Saved again under the threshold: one self-contained file, the stale side file removed.
  onnx::ModelProto small = mlp.build();
  save_model(small, path);
  EXPECT_FALSE(std::filesystem::exists(external_data_path(path)));
  EXPECT_NO_THROW(check_model_file(path));
  Ort::Session inline_session = test::session_from_file(path);
  expect_close(run(inline_session, in, {"probs"})[0].data, want[0].data, 0.0f, "inline model vs in-memory model");
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << "temp file left behind: " << entry.path();
  }
}

TEST(ModelFile, WriteFailureNamesTheFile) {
  Mlp mlp;
  onnx::ModelProto model = mlp.build();
  const std::string path = "/nonexistent-dir-for-fishtts/model.onnx";
  try {
    save_model(model, path);
    FAIL() << "saving into a missing directory succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir-for-fishtts/model.onnx"), std::string::npos) << e.what();
  }
  EXPECT_THROW(save_model(model, "/tmp/x.onnx", {.alignment = 100}), Error);
}

}  // namespace
}  // namespace fishtts::convert
