// Options every model-running subcommand shares: --model, --threads, --precision, --sample-space, and turning a
// checkpoint folder into runnable graphs when it is not a converted bundle yet.
#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "convert/llm_bundle.h"
#include "hw/engine_settings.h"

namespace fishtts::cli {

struct ModelArgs {
  std::filesystem::path model;
  int threads = 0;
  std::string precision;           // empty: from the hardware
  std::string sample_space = "semantic";
  int block_size = 128;

  void add_to(CLI::App* cmd);
  hw::EngineSettings settings() const;
  convert::LlmConvertOptions convert_options() const;
};

// Which graphs a command needs when --model is a checkpoint folder (a converted bundle is used as it is).
struct BundleParts {
  bool llm = true;
  bool codec = false;
};

// A converted bundle folder, or a temporary one converted from a checkpoint folder (removed on destruction).
class BundleDir {
 public:
  explicit BundleDir(const ModelArgs& args, BundleParts parts = {});
  ~BundleDir();
  BundleDir(const BundleDir&) = delete;
  BundleDir& operator=(const BundleDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool temporary_ = false;
};

}  // namespace fishtts::cli
