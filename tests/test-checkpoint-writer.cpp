// Checkpoint writer: what write_torch_checkpoint / make-checkpoint write reads back exactly, in the
// official layout (aligned stored records), and the CLI end to end (dev make-checkpoint, inspect).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "checkpoint/make_checkpoint.h"
#include "checkpoint/torch_archive.h"
#include "checkpoint/torch_writer.h"
#include "checkpoint/weights.h"
#include "checkpoint/zip_archive.h"
#include "common/mapped_file.h"
#include "support/cli_runner.h"

namespace fs = std::filesystem;
using namespace fishtts::checkpoint;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("fishtts-test-ckpt-writer-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Deterministic bytes per tensor so the read-back can be compared exactly.
uint8_t pattern(size_t tensor, size_t i) { return static_cast<uint8_t>((tensor * 131 + i * 7 + (i >> 8)) & 0xff); }

class PatternProducer {
 public:
  explicit PatternProducer(const std::vector<TensorSpec>& specs) : specs_(specs) {}
  void operator()(size_t index, RecordSink& sink) const {
    std::vector<uint8_t> bytes(specs_[index].byte_size());
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = pattern(index, i);
    if (specs_[index].dtype == DType::kBool) {
      for (auto& b : bytes) b &= 1;
    }
    sink.write({bytes.data(), bytes.size() / 2});  // two writes: records stream in pieces
    sink.write({bytes.data() + bytes.size() / 2, bytes.size() - bytes.size() / 2});
  }

 private:
  const std::vector<TensorSpec>& specs_;
};

}  // namespace

TEST(TorchWriter, RoundTripsEveryDtypeExactly) {
  const fs::path dir = temp_dir("roundtrip");
  const std::vector<TensorSpec> specs = {
      {"a.weight", DType::kFloat32, {3, 5}},  {"b", DType::kBFloat16, {7}},   {"c", DType::kFloat16, {2, 2, 2}},
      {"d", DType::kInt64, {4}},              {"e", DType::kInt32, {1, 3}},   {"f", DType::kBool, {300, 300}},
      {"g", DType::kUInt8, {5}},              {"empty", DType::kFloat32, {0, 4}}, {"scalar", DType::kFloat32, {}},
      {"big", DType::kFloat32, {70000}}};  // ids above 65535 and a record over 256 KB
  const fs::path file = dir / "x.pth";
  write_torch_checkpoint(file.string(), "x", specs, PatternProducer(specs));

  const TensorStore store = load_torch_file(file.string(), {.verify_crc = true});
  ASSERT_EQ(store.size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const Tensor& t = store.get(specs[i].name);
    EXPECT_EQ(t.dtype, specs[i].dtype) << specs[i].name;
    EXPECT_EQ(t.shape, specs[i].shape) << specs[i].name;
    ASSERT_TRUE(t.is_contiguous());
    auto bytes = t.contiguous_bytes();
    ASSERT_EQ(bytes.size(), specs[i].byte_size());
    for (size_t j = 0; j < bytes.size(); ++j) {
      uint8_t expected = pattern(i, j);
      if (specs[i].dtype == DType::kBool) expected &= 1;
      ASSERT_EQ(bytes[j], expected) << specs[i].name << " byte " << j;
    }
  }
  // Layout as torch writes it: stored records whose data start on 64-byte boundaries.
  auto mapped = fishtts::MappedFile::open(file.string());
  ZipArchive zip(mapped->bytes(), file.string());
  std::vector<std::string> names;
  for (const ZipEntry& e : zip.entries()) {
    names.push_back(e.name);
    EXPECT_TRUE(e.stored) << e.name;
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
  }
  EXPECT_EQ(names.front(), "x/data.pkl");
  EXPECT_EQ(names.back(), "x/version");
  fs::remove_all(dir);
}

TEST(MakeCheckpoint, TinyPresetLoadsValidatesAndIsDeterministic) {
  const fs::path a = temp_dir("tiny-a"), b = temp_dir("tiny-b"), c = temp_dir("tiny-c");
  const Preset tiny = preset_by_name("tiny");
  make_checkpoint(tiny, 5, a.string());
  make_checkpoint(tiny, 5, b.string());
  make_checkpoint(tiny, 6, c.string());
  const LlmWeights llm = load_llm_weights(a.string(), {.verify_crc = true});
  const CodecWeights codec = load_codec_weights(a.string(), {.verify_crc = true});
  EXPECT_TRUE(llm.report.extra.empty());
  EXPECT_TRUE(codec.report.extra.empty()) << codec.report.describe();
  // Same shapes, names and config as the upstream-made fixture.
  const LlmWeights fixture = load_llm_weights(FISHTTS_FIXTURE_DIR);
  EXPECT_EQ(llm.config.to_json(), fixture.config.to_json());
  EXPECT_EQ(llm.tensors.names(), fixture.tensors.names());
  // Finite, with the documented initialisation.
  for (const Tensor* t : codec.tensors.tensors()) {
    for (float v : t->to_float()) ASSERT_TRUE(std::isfinite(v)) << t->name;
  }
  for (float v : llm.tensors.get("norm.weight").to_float()) EXPECT_EQ(v, 1.0f);
  const auto folded = codec.tensors.get("decoder.model.0.conv.weight").to_float();  // g = 1: unit rows
  const int64_t row = static_cast<int64_t>(folded.size()) / codec.tensors.get("decoder.model.0.conv.weight").shape[0];
  double norm = 0;
  for (int64_t j = 0; j < row; ++j) norm += double(folded[j]) * folded[j];
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
  const auto emb = llm.tensors.get("embeddings.weight").to_float();
  double sum2 = 0;
  for (float v : emb) sum2 += double(v) * v;
  EXPECT_NEAR(std::sqrt(sum2 / emb.size()), 0.02, 0.002);  // std 0.02

  for (const char* f : {"model.pth", "codec.pth", "tokenizer.tiktoken", "special_tokens.json", "config.json"}) {
    EXPECT_EQ(fishtts::test::read_text_file(a / f), fishtts::test::read_text_file(b / f)) << f;
  }
  EXPECT_NE(fishtts::test::read_text_file(a / "model.pth"), fishtts::test::read_text_file(c / "model.pth"));
  // Tokenizer files in upstream's format: 784 ranks, then specials numbered from there.
  EXPECT_EQ(fishtts::test::read_text_file(a / "special_tokens.json"),
            fishtts::test::read_text_file(fs::path(FISHTTS_FIXTURE_DIR) / "special_tokens.json"));
  std::ifstream tok(a / "tokenizer.tiktoken");
  std::string line, last;
  int lines = 0;
  while (std::getline(tok, line)) last = line, ++lines;
  EXPECT_EQ(lines, 784);
  EXPECT_EQ(last.substr(last.find(' ') + 1), "783");
  for (const auto& d : {a, b, c}) fs::remove_all(d);
}

TEST(CheckpointCli, InspectFixtureJson) {
  const auto r = fishtts::test::run_cli(std::string("inspect --json --verify ") + FISHTTS_FIXTURE_DIR);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["llm"]["params_total"], j["llm"]["params_expected"]);
  EXPECT_EQ(j["llm"]["tensors_in_file"], 39);
  EXPECT_EQ(j["llm"]["dtypes"]["bfloat16"], 39);
  EXPECT_EQ(j["codec"]["tensors_in_file"], 406);
  EXPECT_EQ(j["codec"]["params_total"], j["codec"]["params_expected"]);
  EXPECT_TRUE(j["codec"]["missing"].empty());
  EXPECT_TRUE(j["codec"]["extra"].empty());
  EXPECT_EQ(j["codec"]["config_source"], "codec_config.json");
  EXPECT_EQ(j["tokenizer"]["ranks"], 784);
}

TEST(CheckpointCli, MakeCheckpointThenInspectAndMismatchExitCode) {
  const fs::path dir = temp_dir("cli");
  auto r = fishtts::test::run_cli("dev make-checkpoint --preset tiny --seed 3 --out '" + (dir / "ck").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = fishtts::test::run_cli("inspect '" + (dir / "ck").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("missing: none"), std::string::npos) << r.out;
  // A config that disagrees with the weights: inspect reports the key and both shapes, exit code 2.
  auto cfg = nlohmann::json::parse(fishtts::test::read_text_file(dir / "ck" / "config.json"));
  cfg["intermediate_size"] = 128;
  std::ofstream(dir / "ck" / "config.json") << cfg.dump();
  r = fishtts::test::run_cli("inspect '" + (dir / "ck").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("wrong shape: layers.0.feed_forward.w1.weight expected [128,64] got [192,64]"), std::string::npos) << r.out;
  r = fishtts::test::run_cli("dev make-checkpoint --preset huge --out '" + (dir / "x").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  fs::remove_all(dir);
}
