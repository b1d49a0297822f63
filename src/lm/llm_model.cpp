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
  StackKvShape s;
  s.n_layer = j.at("n_layer").get<int64_t>();
  s.n_kv_head = j.at("n_kv_head").get<int64_t>();
  s.head_dim = j.at("head_dim").get<int64_t>();
  s.kv_head_dim = j.value("kv_head_dim", s.head_dim);  // bundles from before padding: unpadded
  s.dim = j.at("dim").get<int64_t>();
  s.head_rows = j.at("head_rows").get<int64_t>();
  // Bundles from before these fields: S1's shapes (2 query heads per KV head, FFN 3 x dim).
  s.n_head = j.value("n_head", 2 * s.n_kv_head);
  s.ffn = j.value("ffn", 3 * s.dim);
  return s;
}

double bytes_per_weight(const std::string& precision) {
  // int8/int4: MatMulNBits blocks of 128 carry a 4-byte scale and a 1-byte (int8) / half-byte (int4) zero point.
  if (precision == "int8") return 1.0 + 5.0 / 128;
  if (precision == "int4") return 0.5 + 4.5 / 128;
  return 4.0;
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

double StackKvShape::matmul_weights() const {
  const double q = static_cast<double>(n_head * head_dim), kv = static_cast<double>(n_kv_head * head_dim);
  const double d = static_cast<double>(dim), f = static_cast<double>(ffn);
  return static_cast<double>(n_layer) * ((q + 2 * kv) * d + q * d + 3 * f * d) + static_cast<double>(head_rows) * d;
}

double LlmInfo::weight_bytes_per_frame() const {
  return (slow.matmul_weights() + (num_codebooks - 1) * fast.matmul_weights()) * bytes_per_weight(precision);
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
  // The process's one pool (ort/env.h): sized here unless made earlier, then these sessions run on it as it is. The
  // entry points that report threads sized it first and read its size back (pipeline/engine.cpp).
  static_cast<void>(ort::configure_env(settings));
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
