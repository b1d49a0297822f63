#include "pipeline/engine.h"
#include "pipeline/model_resolver.h"

#include <chrono>

#include "common/error.h"
#include "common/paths.h"
#include "hw/cpu_info.h"
#include "ort/env.h"
#include "pipeline/demo_model.h"

namespace fishtts::pipeline {
namespace {

std::string manifest_hash(const std::string& bundle_dir, const std::string& file) {
  const nlohmann::json manifest = convert::read_manifest(bundle_dir);  // must outlive the loop over its member
  for (const auto& f : manifest.at("files")) {
    if (f.at("name") == file) return f.at("sha256").get<std::string>().substr(0, 16);
  }
  return "unknown";
}

std::filesystem::path cache_dir_of(const EngineParams& p) {
  return p.cache_dir.empty() ? default_cache_dir() : std::filesystem::path(p.cache_dir);
}

const char* kDemoWarning =
    "no --model given: using the built-in demo model (random weights, the audio is noise); pass --model with the "
    "official openaudio-s1-mini checkpoint for speech";

// ONNX Runtime's thread pool is one per process (ort/env.h): sized here, before anything (the int8 codec's
// calibration during a conversion included) makes it. An engine made after another shares the pool that one
// made, and says so, so that the threads it reports are the threads it runs.
void configure_thread_pool(hw::EngineSettings& settings, std::vector<std::string>& warnings) {
  if (std::string w = ort::share_env(settings); !w.empty()) warnings.push_back(std::move(w));
}

// A ready bundle folder is loaded as it was converted, whatever the settings ask: report what it holds.
void report_codec_precision(const codec::CodecModel& codec, EngineLoadInfo& info) {
  const std::string loaded = codec.info().precision;
  if (loaded == hw::codec_precision_name(info.settings.codec_precision)) return;
  info.warnings.push_back(info.bundle_dir + ": its codec decode was converted in " + loaded + ", not the " +
                          hw::codec_precision_name(info.settings.codec_precision) +
                          " asked for (a bundle keeps its precisions; convert the checkpoint to change them)");
  try {
    info.settings.codec_precision = hw::parse_codec_precision(loaded);
  } catch (const Error& e) {
    throw Error(ErrorCode::kBadFormat, info.bundle_dir + "/codec.json: precision: " + e.what());
  }
  info.settings.codec_precision_reason = "as converted in the bundle";
}

}  // namespace

convert::BundleOptions bundle_options(const EngineParams& p, const hw::EngineSettings& s) {
  convert::BundleOptions o;
  o.llm.graph.weights.precision = s.precision;
  o.llm.graph.weights.block_size = p.block_size;
  o.llm.graph.weights.accuracy_level = s.matmul_accuracy_level;
  o.llm.graph.sample_space = p.sample_space;
  o.codec.precision = s.codec_precision;
  return o;
}

convert::ResolvedBundle resolve_model(const EngineParams& params, const hw::EngineSettings& settings,
                                      const LogFn& log) {
  const std::filesystem::path cache = cache_dir_of(params);
  const std::string model_path = params.model_path.empty() ? ensure_demo_model(cache).string() : params.model_path;
  auto progress = [&](const std::string& stage) {
    if (log) log(stage + "...");
  };
  hw::EngineSettings pool = settings;
  std::vector<std::string> pool_warnings;
  configure_thread_pool(pool, pool_warnings);  // first: an int8 codec's calibration runs ONNX Runtime
  convert::ResolvedBundle b = convert::resolve_bundle(model_path, bundle_options(params, settings), cache, progress);
  b.warnings.insert(b.warnings.begin(), pool_warnings.begin(), pool_warnings.end());
  if (params.model_path.empty()) b.warnings.insert(b.warnings.begin(), kDemoWarning);
  return b;
}

std::shared_ptr<const Engine> Engine::create(const EngineParams& params, const LogFn& log) {
  auto engine = std::shared_ptr<Engine>(new Engine());
  EngineLoadInfo& info = engine->info_;
  info.demo_model = params.model_path.empty();
  info.settings = hw::choose_settings(hw::detect_cpu(), params.overrides);
  configure_thread_pool(info.settings, info.warnings);
  auto resolve_and_load = [&](const hw::EngineSettings& settings) {
    convert::ResolvedBundle b = resolve_model(params, settings, log);
    info.warnings.insert(info.warnings.end(), b.warnings.begin(), b.warnings.end());
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
  report_codec_precision(*engine->codec_, info);
  engine->tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::from_model_dir(info.bundle_dir));
  engine->codec_key_ = manifest_hash(info.bundle_dir, "codec_encode.onnx");
  return engine;
}

}  // namespace fishtts::pipeline
