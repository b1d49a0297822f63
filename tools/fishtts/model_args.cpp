#include "model_args.h"

#include <cstdio>

#include "hw/cpu_info.h"
#include "hw/engine_settings.h"
#include "ort/env.h"
#include "progress.h"
#include "pipeline/model_resolver.h"

namespace fishtts::cli {

void ModelArgs::add_to(CLI::App* cmd, bool required) {
  auto* m = cmd->add_option("--model", model,
                            "Checkpoint folder (config.json, model.pth, codec.pth, tokenizer) or a converted bundle" +
                                std::string(required ? "" : "; default: the built-in demo model (random weights)"));
  if (required) m->required();
  cmd->add_option("--cache-dir", cache_dir, "Where converted bundles are kept (default: $XDG_CACHE_HOME/fishtts)");
  cmd->add_option("--threads", threads, "Intra-op threads (0 = one per physical core)")->check(CLI::Range(0, 1024));
  cmd->add_option("--precision", precision, "Transformer weights: fp32, int8, int4 or int4-mixed (int4 with the heads and some "
                  "down projections at int8; docs/quality.md) (default: chosen from the CPU)")
      ->check(CLI::IsMember(hw::precision_names()));
  cmd->add_option("--codec-precision", codec_precision,
                  "Codec decode convolutions (" + hw::codec_precision_help() + "); default: chosen from the CPU")
      ->check(CLI::IsMember(hw::codec_precision_names()));
  cmd->add_option("--sample-space", sample_space,
                  "semantic (heads limited to what sampling can pick) or full (exactly S1's heads)")
      ->check(CLI::IsMember({"semantic", "full"}));
  cmd->add_option("--block-size", block_size, "Quantization block size along K for int8/int4")
      ->check(CLI::IsMember({16, 32, 64, 128, 256}));
}

pipeline::EngineParams ModelArgs::engine_params() const {
  pipeline::EngineParams p;
  p.model_path = model;
  p.cache_dir = cache_dir;
  p.overrides.threads = threads;
  if (!precision.empty()) p.overrides.precision = hw::parse_precision(precision);
  if (!codec_precision.empty()) p.overrides.codec_precision = hw::parse_codec_precision(codec_precision);
  p.sample_space = convert::parse_sample_space(sample_space);
  p.block_size = block_size;
  return p;
}

hw::EngineSettings ModelArgs::settings() const {
  hw::EngineSettings s = hw::choose_settings(hw::detect_cpu(), engine_params().overrides);
  // Sizes ONNX Runtime's one pool before anything runs it (a `convert --out` of an int8 codec calibrates with it).
  // A command is its process's only model user, so the pool is never made earlier: no warning to show.
  static_cast<void>(ort::share_env(s));
  return s;
}

std::string ModelArgs::resolve_bundle(Progress& progress) const {
  convert::ResolvedBundle b =
      pipeline::resolve_model(engine_params(), settings(), [&](const std::string& line) { progress.line(line); });
  for (const std::string& w : b.warnings) progress.line("warning: " + w);
  if (b.converted) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f s", b.convert_seconds);
    progress.line("converted in " + std::string(buf) + " into " + b.dir);
  }
  return b.dir;
}

}  // namespace fishtts::cli
