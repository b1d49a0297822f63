#include "checkpoint/summary.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "checkpoint/expected_tensors.h"
#include "checkpoint/weights.h"

namespace fishtts::checkpoint {

namespace {

nlohmann::ordered_json dtype_counts(const TensorStore& raw) {
  std::map<std::string, int64_t> counts;
  for (const Tensor* t : raw.tensors()) ++counts[dtype_name(t->dtype)];
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, n] : counts) j[name] = n;
  return j;
}

void add_report(nlohmann::ordered_json& j, const TensorStore& tensors, const ExpectedSet& expected,
                const std::vector<std::string>& block_order, const ValidationReport& report) {
  std::map<std::string, int64_t> per_block;
  int64_t total = 0;
  for (const ExpectedTensor& e : expected.params) {
    const Tensor* t = tensors.find(e.name);
    if (t == nullptr || t->shape != e.shape) continue;
    per_block[e.block] += e.stored_params();
    total += e.stored_params();
  }
  nlohmann::ordered_json blocks = nlohmann::ordered_json::object();
  for (const std::string& b : block_order) {
    if (per_block.count(b)) blocks[b] = per_block[b];
  }
  j["params_total"] = total;
  j["params_expected"] = expected.param_count();
  j["params_by_block"] = blocks;
  j["missing"] = report.missing;
  j["extra"] = report.extra;
  nlohmann::ordered_json mismatched = nlohmann::ordered_json::array();
  for (const ShapeMismatch& m : report.mismatched) mismatched.push_back({{"name", m.name}, {"expected", m.expected}, {"actual", m.actual}});
  j["wrong_shape"] = mismatched;
  j["ok"] = report.ok();
}

int64_t count_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return -1;
  int64_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

}  // namespace

nlohmann::ordered_json summarize_checkpoint(const std::string& dir, const LoadOptions& options) {
  namespace fs = std::filesystem;
  nlohmann::ordered_json out;
  out["dir"] = dir;

  const LlmConfig llm_config = LlmConfig::from_file((fs::path(dir) / "config.json").string());
  const std::string llm_file = find_weights_file(dir, "model");
  const TensorStore llm_raw = load_tensor_file(llm_file, options);
  const LlmWeights llm = prepare_llm_weights(llm_config, llm_raw);
  nlohmann::ordered_json l;
  l["file"] = llm_file;
  l["config"] = llm.config.to_json();
  l["unknown_config_fields"] = llm.config.unknown_fields;
  l["tensors_in_file"] = llm_raw.size();
  l["tensors"] = llm.tensors.size();
  l["dtypes"] = dtype_counts(llm_raw);
  add_report(l, llm.tensors, expected_llm_tensors(llm.config), llm_blocks(), llm.report);
  out["llm"] = l;

  const std::string codec_file = find_weights_file(dir, "codec");
  const TensorStore codec_raw = load_tensor_file(codec_file, options);
  const CodecWeights codec = prepare_codec_weights(CodecConfig::for_checkpoint_dir(dir), codec_raw);
  nlohmann::ordered_json c;
  c["file"] = codec_file;
  c["config_source"] = codec.config.from_file ? "codec_config.json" : "S1 defaults (no codec_config.json)";
  c["sample_rate"] = codec.config.sample_rate;
  c["hop_length"] = codec.config.hop_length();
  c["frame_length"] = codec.config.frame_length();
  c["codebooks"] = 1 + codec.config.n_codebooks;
  c["tensors_in_file"] = codec_raw.size();
  c["tensors"] = codec.tensors.size();
  c["dtypes"] = dtype_counts(codec_raw);
  add_report(c, codec.tensors, expected_codec_tensors(codec.config), codec_blocks(), codec.report);
  out["codec"] = c;

  out["tokenizer"] = {{"ranks", count_lines(fs::path(dir) / "tokenizer.tiktoken")}};
  out["crc_verified"] = options.verify_crc;
  return out;
}

}  // namespace fishtts::checkpoint
