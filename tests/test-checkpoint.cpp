// Checkpoint reader: the tiny-s1 fixture (made by upstream's PyTorch code) through every loader step, the
// configs, key normalisation, weight-norm folding, safetensors, and the S1-mini shape tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "checkpoint/expected_tensors.h"
#include "checkpoint/normalize.h"
#include "checkpoint/presets.h"
#include "checkpoint/safetensors.h"
#include "checkpoint/torch_archive.h"
#include "checkpoint/weights.h"
#include "common/error.h"

namespace fs = std::filesystem;
using namespace fishtts::checkpoint;

namespace {

const std::string kFixture = FISHTTS_FIXTURE_DIR;

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("fishtts-test-checkpoint-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Tensor floats(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
  return Tensor::owned_float(name, std::move(shape), std::move(values));
}

template <typename F>
fishtts::ErrorCode error_code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const fishtts::Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no fishtts::Error thrown";
  return fishtts::ErrorCode::kInternal;
}

}  // namespace

TEST(CheckpointFixture, ModelPthHasEveryTensorWithItsShape) {
  const TensorStore raw = load_torch_file(kFixture + "/model.pth", {.verify_crc = true});
  const LlmConfig config = LlmConfig::from_file(kFixture + "/config.json");
  const ExpectedSet expected = expected_llm_tensors(config);
  ASSERT_EQ(raw.size(), expected.params.size());
  for (const ExpectedTensor& e : expected.params) {
    const Tensor* t = raw.find(e.name);
    ASSERT_NE(t, nullptr) << e.name;
    EXPECT_EQ(t->shape, e.shape) << e.name;
    EXPECT_EQ(t->dtype, DType::kBFloat16) << e.name;
    EXPECT_TRUE(t->is_contiguous()) << e.name;
  }
}

TEST(CheckpointFixture, LoadLlmWeightsValidates) {
  const LlmWeights w = load_llm_weights(kFixture);
  EXPECT_TRUE(w.report.ok()) << w.report.describe();
  EXPECT_TRUE(w.report.extra.empty());
  EXPECT_EQ(w.config.dim, 64);
  EXPECT_EQ(w.config.fast_head_dim, 16);
  // bf16 is upcast exactly: the float's low 16 bits are zero and the high bits are the stored ones.
  const Tensor& emb = w.tensors.get("embeddings.weight");
  const std::vector<float> values = emb.to_float();
  ASSERT_EQ(values.size(), static_cast<size_t>(emb.numel()));
  for (size_t i = 0; i < 64; ++i) {
    uint16_t stored;
    std::memcpy(&stored, emb.data + 2 * i, 2);
    uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    EXPECT_EQ(bits, static_cast<uint32_t>(stored) << 16);
  }
  EXPECT_TRUE(emb.float_view().empty());  // bf16: no zero-copy fp32 view
}

TEST(CheckpointFixture, CodecWeightsFoldedAndValidated) {
  const CodecWeights w = load_codec_weights(kFixture);
  EXPECT_TRUE(w.report.ok()) << w.report.describe();
  EXPECT_TRUE(w.report.extra.empty()) << w.report.describe();
  EXPECT_TRUE(w.config.from_file);
  EXPECT_EQ(w.config.encoder_transformer_ffn, 384);  // read from the w1 weight
  // Masks dropped, RoPE tables kept, no weight-norm halves left.
  for (const std::string& name : w.tensors.names()) {
    EXPECT_EQ(name.find("causal_mask"), std::string::npos) << name;
    EXPECT_EQ(name.find("parametrizations"), std::string::npos) << name;
    EXPECT_EQ(name.find("weight_g"), std::string::npos) << name;
  }
  EXPECT_TRUE(w.tensors.contains("quantizer.pre_module.freqs_cis"));
  // fp32 tensors that were not folded are zero-copy views of the mapping.
  const Tensor& gamma = w.tensors.get("quantizer.upsample.1.1.gamma");
  EXPECT_FALSE(gamma.float_view().empty());
}

TEST(CheckpointFixture, TransposedConvFoldIsPerInputChannel) {
  const TensorStore raw = load_torch_file(kFixture + "/codec.pth");
  const CodecWeights w = load_codec_weights(kFixture);
  const std::string base = "decoder.model.1.block.1.conv.";  // ConvTranspose1d, v [in, out, k]
  const Tensor& g = raw.get(base + "parametrizations.weight.original0");
  const Tensor& v = raw.get(base + "parametrizations.weight.original1");
  const Tensor& folded = w.tensors.get(base + "weight");
  ASSERT_EQ(folded.shape, v.shape);
  ASSERT_EQ(g.shape[0], v.shape[0]);  // g is per input channel
  const auto gv = g.to_float();
  const auto wv = folded.to_float();
  const int64_t row = v.numel() / v.shape[0];
  for (int64_t i = 0; i < v.shape[0]; ++i) {
    double norm = 0;
    for (int64_t j = 0; j < row; ++j) norm += double(wv[i * row + j]) * wv[i * row + j];
    EXPECT_NEAR(std::sqrt(norm), std::fabs(gv[i]), 1e-5 * std::fabs(gv[i]) + 1e-7) << "input channel " << i;
  }
}

TEST(WeightNorm, FoldsOverAllDimsButTheFirst) {
  // v [2, 1, 2]: rows (3, 4) and (0, 5); g (10, 2) -> (6, 8) and (0, 2)
  Tensor g = floats("g", {2, 1, 1}, {10, 2});
  Tensor v = floats("v", {2, 1, 2}, {3, 4, 0, 5});
  Tensor w = fold_weight_norm("w", g, v);
  EXPECT_EQ(w.to_float(), (std::vector<float>{6, 8, 0, 2}));
  Tensor bad_g = floats("g", {3, 1, 1}, {1, 1, 1});
  std::string message;
  EXPECT_EQ(error_code_of([&] { fold_weight_norm("w", bad_g, v); }, &message), fishtts::ErrorCode::kBadFormat);
  EXPECT_NE(message.find("[3, 1, 1]"), std::string::npos) << message;
}

TEST(Normalize, LlmPrefixAudioAndQkvMerge) {
  TensorStore raw;
  raw.put(floats("model.layers.0.attention.wq.weight", {2, 2}, {1, 2, 3, 4}));
  raw.put(floats("model.layers.0.attention.wk.weight", {1, 2}, {5, 6}));
  raw.put(floats("model.layers.0.attention.wv.weight", {1, 2}, {7, 8}));
  raw.put(floats("model.audio_projector.0.weight", {1}, {0}));
  raw.put(floats("model.norm.weight", {2}, {1, 1}));
  const TensorStore out = normalize_llm_keys(raw);
  EXPECT_EQ(out.names(), (std::vector<std::string>{"norm.weight", "layers.0.attention.wqkv.weight"}));
  const Tensor& qkv = out.get("layers.0.attention.wqkv.weight");
  EXPECT_EQ(qkv.shape, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(qkv.to_float(), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(Normalize, CodecGeneratorPrefixBothWeightNormStylesAndBuffers) {
  TensorStore raw;
  raw.put(floats("generator.a.conv.parametrizations.weight.original0", {1, 1, 1}, {2}));
  raw.put(floats("generator.a.conv.parametrizations.weight.original1", {1, 1, 2}, {3, 4}));
  raw.put(floats("generator.b.weight_g", {1, 1, 1}, {1}));
  raw.put(floats("generator.b.weight_v", {1, 2, 1}, {0, 7}));
  raw.put(floats("generator.t.causal_mask", {1, 1}, {1}));
  raw.put(floats("generator.t.freqs_cis", {1, 1, 2}, {1, 0}));
  raw.put(floats("discriminator.x", {1}, {9}));
  const TensorStore out = normalize_codec_keys(raw);
  EXPECT_EQ(out.names(), (std::vector<std::string>{"a.conv.weight", "b.weight", "t.freqs_cis"}));
  EXPECT_EQ(out.get("a.conv.weight").to_float(), (std::vector<float>{1.2f, 1.6f}));
  EXPECT_EQ(out.get("b.weight").to_float(), (std::vector<float>{0, 1}));
  TensorStore half;
  half.put(floats("c.weight_g", {1, 1, 1}, {1}));
  std::string message;
  EXPECT_EQ(error_code_of([&] { normalize_codec_keys(half); }, &message), fishtts::ErrorCode::kBadFormat);
  EXPECT_NE(message.find("c.weight"), std::string::npos) << message;
}

TEST(Tensor, StridedViewGathers) {
  // A transposed [3, 2] view of a contiguous [2, 3] buffer.
  Tensor base = floats("b", {2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor t = base;
  t.shape = {3, 2};
  t.strides = {1, 3};
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_TRUE(t.float_view().empty());
  EXPECT_EQ(t.to_float(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(Tensor, Fp16Conversion) {
  EXPECT_EQ(fp16_to_float(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_float(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(fp16_to_float(0x7c00)));
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(bf16_to_float(0x4049)), 0x4049);
}

TEST(LlmConfig, DefaultsInheritanceAndUnknownFields) {
  const LlmConfig c = LlmConfig::from_json({{"model_type", "dual_ar"}, {"dim", 512}, {"n_head", 8}, {"n_local_heads", -1},
                                            {"fast_dim", nullptr}, {"fast_attention_qk_norm", nullptr},
                                            {"attention_qk_norm", true}, {"fast_head_dim", 32}, {"brand_new", 3}});
  EXPECT_EQ(c.n_local_heads, 8);
  EXPECT_EQ(c.fast_dim, 512);
  EXPECT_EQ(c.fast_n_head, 8);
  EXPECT_EQ(c.fast_head_dim, 32);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.intermediate_size, 1536);  // find_multiple(int(2 * 4 * 512 / 3) = 1365, 256)
  EXPECT_TRUE(c.fast_attention_qk_norm);  // null inherits the slow value
  EXPECT_EQ(c.unknown_fields, nlohmann::json({{"brand_new", 3}}));
}

TEST(LlmConfig, WrongTypeNamesTheField) {
  std::string message;
  EXPECT_EQ(error_code_of([&] { LlmConfig::from_json({{"dim", "1024"}}); }, &message), fishtts::ErrorCode::kBadFormat);
  EXPECT_NE(message.find("field dim"), std::string::npos) << message;
  EXPECT_EQ(error_code_of([&] { LlmConfig::from_json({{"n_head", 16}, {"n_local_heads", 3}}); }, &message),
            fishtts::ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("n_local_heads"), std::string::npos) << message;
  EXPECT_EQ(error_code_of([&] { LlmConfig::from_json({{"tie_word_embeddings", 1}}); }, &message), fishtts::ErrorCode::kBadFormat);
  EXPECT_NE(message.find("tie_word_embeddings"), std::string::npos) << message;
}

TEST(ShapeTables, S1MiniParameterCountsOfSpec91) {
  const Preset s1 = preset_by_name("s1-mini");
  EXPECT_EQ(s1.llm.vocab_size, 155776);
  const ExpectedSet llm = expected_llm_tensors(s1.llm);
  EXPECT_EQ(llm.params.size(), 287u);
  EXPECT_EQ(llm.param_count(), 860169216);
  const ExpectedSet codec = expected_codec_tensors(s1.codec);
  EXPECT_EQ(codec.params.size() + codec.optional_buffers.size() +
                std::count_if(codec.params.begin(), codec.params.end(), [](const ExpectedTensor& t) { return t.weight_norm; }),
            541u);  // stored keys: folded weights are two (g, v)
  EXPECT_EQ(codec.param_count(), 391430530);
  std::map<std::string, int64_t> blocks;
  for (const ExpectedTensor& t : codec.params) blocks[t.block] += t.stored_params();
  EXPECT_EQ(blocks["codec.encoder"], 76851328);
  EXPECT_EQ(blocks["codec.decoder"], 54104162);
  EXPECT_EQ(blocks["codec.quantizer.pre_module"], 109085696);
  EXPECT_EQ(blocks["codec.quantizer.vq"], 290976);
  EXPECT_EQ(blocks["codec.quantizer.downsample"], 21006336);
  const ExpectedTensor* up = codec.find("decoder.model.1.block.1.conv.weight");
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->shape, (std::vector<int64_t>{1536, 768, 16}));
}

TEST(CodecConfig, FixtureFileAndDefaults) {
  const CodecConfig c = CodecConfig::for_checkpoint_dir(kFixture);
  EXPECT_TRUE(c.from_file);
  EXPECT_EQ(c.encoder_dim, 8);
  EXPECT_EQ(c.pre_module.window_size, 8);
  EXPECT_EQ(c.pre_module.n_local_heads, 2);  // -1 -> n_head
  EXPECT_EQ(c.frame_length(), 2048);
  const CodecConfig s1 = CodecConfig::for_checkpoint_dir(temp_dir("nocodec").string());
  EXPECT_FALSE(s1.from_file);
  EXPECT_EQ(s1.latent_dim, 1024);
  // to_json round-trips
  const CodecConfig again = CodecConfig::from_json(c.to_json());
  EXPECT_EQ(expected_codec_tensors(again).param_count(), expected_codec_tensors(c).param_count());
  std::string message;
  nlohmann::json bad = c.to_json();
  bad["quantizer"]["codebook_dim"] = "8";
  EXPECT_EQ(error_code_of([&] { CodecConfig::from_json(bad); }, &message), fishtts::ErrorCode::kBadFormat);
  EXPECT_NE(message.find("codebook_dim"), std::string::npos) << message;
}

namespace {

// A safetensors file from (name, dtype, shape, bytes) entries.
void write_safetensors(const fs::path& path, const std::vector<std::tuple<std::string, std::string, std::vector<int64_t>, std::vector<uint8_t>>>& entries) {
  nlohmann::json header = {{"__metadata__", {{"format", "pt"}}}};
  std::vector<uint8_t> data;
  for (const auto& [name, dtype, shape, bytes] : entries) {
    header[name] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {data.size(), data.size() + bytes.size()}}};
    data.insert(data.end(), bytes.begin(), bytes.end());
  }
  const std::string h = header.dump();
  std::ofstream out(path, std::ios::binary);
  uint64_t n = h.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << h;
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

std::vector<uint8_t> f32_bytes(std::vector<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

TEST(Safetensors, SingleAndShardedThroughTheSameInterface) {
  const fs::path dir = temp_dir("st");
  write_safetensors(dir / "a.safetensors", {{"x", "F32", {2, 2}, f32_bytes({1, 2, 3, 4})}, {"y", "BF16", {2}, {0x80, 0x3f, 0x00, 0x40}}});
  write_safetensors(dir / "b.safetensors", {{"z", "F32", {1}, f32_bytes({9})}});
  const TensorStore one = load_safetensors_file((dir / "a.safetensors").string());
  EXPECT_EQ(one.get("x").to_float(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(one.get("y").to_float(), (std::vector<float>{1, 2}));
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {"x": "a.safetensors", "z": "b.safetensors"}})";
  const TensorStore sharded = load_tensor_file((dir / "model.safetensors.index.json").string());
  EXPECT_EQ(sharded.names(), (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(sharded.get("z").to_float(), (std::vector<float>{9}));

  write_safetensors(dir / "bad.safetensors", {{"x", "F32", {3}, f32_bytes({1, 2})}});
  std::string message;
  EXPECT_EQ(error_code_of([&] { load_safetensors_file((dir / "bad.safetensors").string()); }, &message), fishtts::ErrorCode::kBadFormat);
  EXPECT_NE(message.find("tensor x"), std::string::npos) << message;
  std::ofstream(dir / "bad.index.json") << R"({"weight_map": {"x": "../a.safetensors"}})";
  EXPECT_EQ(error_code_of([&] { load_tensor_file((dir / "bad.index.json").string()); }), fishtts::ErrorCode::kBadFormat);
  fs::remove_all(dir);
}

TEST(Validation, NamesKeyExpectedAndActualShape) {
  const LlmConfig config = LlmConfig::from_file(kFixture + "/config.json");
  TensorStore store = normalize_llm_keys(load_torch_file(kFixture + "/model.pth"));
  store.erase("norm.weight");
  store.put(floats("output.weight", {3, 64}, std::vector<float>(192)));
  store.put(floats("unused.weight", {1}, {0}));
  const ValidationReport r = validate_tensors(store, expected_llm_tensors(config));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.missing, (std::vector<std::string>{"norm.weight"}));
  EXPECT_EQ(r.extra, (std::vector<std::string>{"unused.weight"}));
  ASSERT_EQ(r.mismatched.size(), 1u);
  const std::string text = r.describe();
  EXPECT_NE(text.find("output.weight expected [4928, 64] got [3, 64]"), std::string::npos) << text;
}

TEST(TorchArchive, PyTorchWrittenViewsDtypesParametersAndNesting) {
  // Files written by torch.save itself (torch 1.13), kept as fuzz seeds.
  const std::string dir = std::string(FISHTTS_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz-zip/";
  const TensorStore s = load_torch_file(dir + "small.pth", {.verify_crc = true});
  EXPECT_EQ(s.get("w").to_float(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_FALSE(s.get("w").float_view().empty());
  EXPECT_EQ(s.get("b").dtype, DType::kBFloat16);
  EXPECT_EQ(s.get("b").to_float(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(s.get("h").to_float(), (std::vector<float>{0.5f}));
  EXPECT_EQ(s.get("t").shape, (std::vector<int64_t>{3, 2}));  // transposed view: strides (1, 3)
  EXPECT_EQ(s.get("t").to_float(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(s.get("i").to_float(), (std::vector<float>{1, 2}));
  EXPECT_EQ(s.get("m").to_float(), (std::vector<float>{1, 0}));
  EXPECT_EQ(s.get("v").to_float(), (std::vector<float>{2, 3, 4}));      // storage offset 2
  EXPECT_EQ(s.get("v2").to_float(), (std::vector<float>{0, 2, 4, 6}));  // same storage, stride 2
  EXPECT_EQ(load_torch_file(dir + "nested.pth").get("a").to_float(), (std::vector<float>{1, 1}));  // {"state_dict": ...}
  EXPECT_EQ(load_torch_file(dir + "param.pth").get("p").to_float(), (std::vector<float>{1, 1, 1}));  // nn.Parameter
}
