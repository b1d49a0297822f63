// The immutable, shared part of the engine: a resolved bundle loaded into ONNX Runtime (transformer + codec)
// and its tokenizer. Create once, then run any number of Synthesis requests against it, from several threads
// one at a time per request object.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec_model.h"
#include "convert/sample_space.h"
#include "hw/engine_settings.h"
#include "lm/llm_model.h"
#include "pipeline/prefix_cache.h"
#include "text/tokenizer.h"

namespace fishtts::pipeline {

struct EngineParams {
  std::string model_path;     // checkpoint folder or bundle; empty = the built-in demo model (random weights)
  std::string cache_dir;      // empty = default_cache_dir()
  hw::SettingsOverrides overrides;
  convert::SampleSpace sample_space = convert::SampleSpace::kSemantic;
  int64_t block_size = 128;
};

struct EngineLoadInfo {
  std::string bundle_dir;
  bool demo_model = false;     // random weights: the audio is noise
  bool converted = false;
  double convert_seconds = 0;
  double load_seconds = 0;     // opening the sessions (after any conversion)
  std::string precision;
  hw::EngineSettings settings;
  std::vector<std::string> warnings;
};

using LogFn = std::function<void(const std::string& line)>;

class Engine {
 public:
  // Resolves (converting on first use) and loads the model. Reduced precision that this ONNX Runtime cannot run
  // falls back to fp32 with a warning. Throws fishtts::Error naming what is wrong.
  static std::shared_ptr<const Engine> create(const EngineParams& params, const LogFn& log = {});

  const lm::LlmModel& llm() const { return *llm_; }
  const codec::CodecModel& codec() const { return *codec_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  const EngineLoadInfo& load_info() const { return info_; }
  int sample_rate() const { return static_cast<int>(codec_->info().sample_rate); }
  // Identifies the codec weights (reference codes cached for one codec are not valid for another).
  const std::string& codec_key() const { return codec_key_; }
  // KV prefixes of reference prompts, reused across this engine's requests.
  PrefixCache& prefix_cache() const { return prefix_cache_; }

 private:
  Engine() = default;
  std::shared_ptr<const lm::LlmModel> llm_;
  std::shared_ptr<const codec::CodecModel> codec_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  EngineLoadInfo info_;
  std::string codec_key_;
  mutable PrefixCache prefix_cache_;
};

}  // namespace fishtts::pipeline
