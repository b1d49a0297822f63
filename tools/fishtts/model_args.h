// Options every model-running subcommand shares (--model, --cache-dir, --threads, --precision, --codec-precision,
// --sample-space, --block-size) and the one way they turn into a bundle: a converted bundle is used as it is, a
// checkpoint folder goes through the bundle cache (converted on first use), no --model means the built-in demo model.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "pipeline/engine.h"

namespace fishtts::cli {

class Progress;

struct ModelArgs {
  std::string model;
  std::string cache_dir;
  int threads = 0;
  std::string precision;  // empty: from the hardware
  std::string codec_precision;  // empty: from the hardware
  std::string sample_space = "semantic";
  int block_size = 128;

  // `required`: whether --model must be given (say runs the demo model without it).
  void add_to(CLI::App* cmd, bool required = true);
  // The settings the command runs with; sizes ONNX Runtime's thread pool from them (ort/env.h).
  hw::EngineSettings settings() const;
  pipeline::EngineParams engine_params() const;
  // The bundle folder to load, converting through the cache if needed; progress and warnings go to `progress`.
  std::string resolve_bundle(Progress& progress) const;
};

}  // namespace fishtts::cli
