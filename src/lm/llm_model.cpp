#include "lm/llm_model.h"

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "lm/ort_lm_session.h"
#include "ort/env.h"
#include "ort/session_options.h"

namespace fishtts::lm {
namespace {

StackKvShape stack_from_json(const nlohmann::json& j) {
  return {j.at("n_layer").get<int64_t>(), j.at("n_kv_head").get<int64_t>(), j.at("head_dim").get<int64_t>(),
          j.at("dim").get<int64_t>(), j.at("head_rows").get<int64_t>()};
}

}  // namespace

LlmInfo LlmInfo::from_json(const nlohmann::json& j, const std::string& where) {
  try {
    LlmInfo info;
    info.slow = stack_from_json(j.at("slow"));
    info.fast = stack_from_json(j.at("fast"));
    info.num_codebooks = j.at("num_codebooks").get<int>();
    info.max_seq_len = j.at("max_seq_len").get<int>();
    info.precision = j.at("precision").get<std::string>();
    const auto& t = j.at("tokens");
    GeneratorLayout& l = info.layout;
    l.num_codebooks = info.num_codebooks;
    l.residual_codebook_size = t.at("residual_codebook_size").get<int>();
    l.max_seq_len = info.max_seq_len;
    l.slow.space = convert::parse_sample_space(j.at("sample_space").get<std::string>());
    l.slow.vocab_size = j.at("vocab_size").get<int32_t>();
    l.slow.semantic_begin_id = t.at("semantic_begin_id").get<int32_t>();
    l.slow.semantic_count = t.at("semantic_count").get<int32_t>();
    l.slow.im_end_id = t.at("im_end_id").get<int32_t>();
    if (info.slow.head_rows != l.slow.size()) {
      throw Error(ErrorCode::kBadFormat, where + ": slow head rows " + std::to_string(info.slow.head_rows) +
                                             " do not match the sample space (" + std::to_string(l.slow.size()) + ")");
    }
    return info;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, where + ": " + e.what());
  }
}

std::shared_ptr<const LlmModel> LlmModel::load(const std::string& bundle_dir, const hw::EngineSettings& settings) {
  namespace fs = std::filesystem;
  const fs::path dir(bundle_dir);
  const fs::path info_path = dir / "llm.json";
  std::ifstream in(info_path);
  if (!in) throw Error(ErrorCode::kNotFound, info_path.string() + ": not found (is this a converted bundle?)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, info_path.string() + ": " + e.what());
  }
  auto model = std::shared_ptr<LlmModel>(new LlmModel());
  model->info_ = LlmInfo::from_json(j, info_path.string());
  ort::configure_env(settings);  // sizes the shared thread pool unless another model already started it
  Ort::SessionOptions options = ort::make_session_options(settings);
  auto open = [&](const char* name) {
    const fs::path p = dir / name;
    if (!fs::exists(p)) throw Error(ErrorCode::kNotFound, p.string() + ": missing from the bundle");
    try {
      return std::make_unique<Ort::Session>(ort::env(), p.c_str(), options);
    } catch (const Ort::Exception& e) {
      throw Error(ErrorCode::kBadFormat, p.string() + ": ONNX Runtime cannot load it: " + e.what());
    }
  };
  model->slow_ = open("slow.onnx");
  model->fast_ = open("fast.onnx");
  return model;
}

std::unique_ptr<LmSession> LlmModel::new_session(int capacity) const {
  if (capacity <= 0 || capacity > info_.max_seq_len) {
    throw Error(ErrorCode::kInvalidArgument, "KV capacity must be in [1, " + std::to_string(info_.max_seq_len) +
                                                 "], got " + std::to_string(capacity));
  }
  return std::make_unique<OrtLmSession>(*this, capacity);
}

}  // namespace fishtts::lm
