#include "pipeline/engine.h"

#include <chrono>

#include "common/error.h"
#include "common/paths.h"
#include "hw/cpu_info.h"
#include "pipeline/demo_model.h"

namespace fishtts::pipeline {
namespace {

convert::BundleOptions bundle_options(const EngineParams& p, const hw::EngineSettings& s) {
  convert::BundleOptions o;
  o.llm.graph.weights.precision = s.precision;
  o.llm.graph.weights.block_size = p.block_size;
  o.llm.graph.weights.accuracy_level = s.matmul_accuracy_level;
  o.llm.graph.sample_space = p.sample_space;
  return o;
}

std::string manifest_hash(const std::string& bundle_dir, const std::string& file) {
  for (const auto& f : convert::read_manifest(bundle_dir).at("files")) {
    if (f.at("name") == file) return f.at("sha256").get<std::string>().substr(0, 16);
  }
  return "unknown";
}

}  // namespace

std::shared_ptr<const Engine> Engine::create(const EngineParams& params, const LogFn& log) {
  auto say = [&](const std::string& line) {
    if (log) log(line);
  };
  auto engine = std::shared_ptr<Engine>(new Engine());
  EngineLoadInfo& info = engine->info_;
  const std::filesystem::path cache = params.cache_dir.empty() ? default_cache_dir() : std::filesystem::path(params.cache_dir);

  std::string model_path = params.model_path;
  if (model_path.empty()) {
    info.demo_model = true;
    model_path = ensure_demo_model(cache).string();
    info.warnings.push_back("no --model given: using the built-in demo model (random weights, the audio is noise); "
                            "pass --model with the official openaudio-s1-mini checkpoint for speech");
  }

  info.settings = hw::choose_settings(hw::detect_cpu(), params.overrides);
  auto progress = [&](const std::string& stage) { say(stage + "..."); };
  auto resolve_and_load = [&](const hw::EngineSettings& settings) {
    convert::ResolvedBundle b = convert::resolve_bundle(model_path, bundle_options(params, settings), cache, progress);
    for (const std::string& w : b.warnings) info.warnings.push_back(w);
    info.bundle_dir = b.dir;
    info.converted = b.converted;
    info.convert_seconds = b.convert_seconds;
    const auto start = std::chrono::steady_clock::now();
    engine->llm_ = lm::LlmModel::load(b.dir, settings);
    engine->codec_ = codec::CodecModel::load(b.dir, settings);
    info.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  try {
    resolve_and_load(info.settings);
  } catch (const Error& e) {
    if (info.settings.precision == hw::Precision::kFp32 || e.code() == ErrorCode::kNotFound) throw;
    info.warnings.push_back(std::string(hw::precision_name(info.settings.precision)) +
                            " weights failed to load here (" + e.what() + "); falling back to fp32");
    info.settings.precision = hw::Precision::kFp32;
    resolve_and_load(info.settings);
  }
  info.precision = engine->llm_->info().precision;
  engine->tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::from_model_dir(info.bundle_dir));
  engine->codec_key_ = manifest_hash(info.bundle_dir, "codec_encode.onnx");
  for (const std::string& w : info.warnings) say("warning: " + w);
  return engine;
}

}  // namespace fishtts::pipeline
