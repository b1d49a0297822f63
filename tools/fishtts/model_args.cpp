#include "model_args.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "common/error.h"
#include "convert/codec_bundle.h"
#include "hw/cpu_info.h"

namespace fishtts::cli {

void ModelArgs::add_to(CLI::App* cmd) {
  cmd->add_option("--model", model, "Checkpoint folder (config.json, model.pth, ...) or a bundle from `fishtts convert`")
      ->required();
  cmd->add_option("--threads", threads, "Intra-op threads (0 = one per physical core)")->check(CLI::Range(0, 1024));
  cmd->add_option("--precision", precision, "Transformer weights: fp32, int8 or int4 (default: chosen from the CPU)")
      ->check(CLI::IsMember({"fp32", "int8", "int4"}));
  cmd->add_option("--sample-space", sample_space,
                  "semantic (default: heads limited to what sampling can pick) or full (exactly S1's heads)")
      ->check(CLI::IsMember({"semantic", "full"}));
  cmd->add_option("--block-size", block_size, "Quantization block size along K for int8/int4")
      ->check(CLI::IsMember({16, 32, 64, 128, 256}));
}

hw::EngineSettings ModelArgs::settings() const {
  hw::SettingsOverrides o;
  o.threads = threads;
  if (!precision.empty()) o.precision = hw::parse_precision(precision);
  return hw::choose_settings(hw::detect_cpu(), o);
}

convert::LlmConvertOptions ModelArgs::convert_options() const {
  hw::EngineSettings s = settings();
  convert::LlmConvertOptions o;
  o.graph.weights.precision = s.precision;
  o.graph.weights.block_size = block_size;
  o.graph.weights.accuracy_level = s.matmul_accuracy_level;
  o.graph.sample_space = convert::parse_sample_space(sample_space);
  return o;
}

BundleDir::BundleDir(const ModelArgs& args, BundleParts parts) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(args.model)) {
    throw Error(ErrorCode::kNotFound, args.model.string() + ": not a folder");
  }
  if (fs::exists(args.model / "llm.json") || fs::exists(args.model / "codec.json")) {
    path_ = args.model.string();
    return;
  }
  path_ = (fs::temp_directory_path() / ("fishtts-bundle-" + std::to_string(::getpid()))).string();
  temporary_ = true;
  std::fprintf(stderr, "converting %s (keep the result with `fishtts convert`)...\n", args.model.c_str());
  auto start = std::chrono::steady_clock::now();
  if (parts.llm) convert::convert_llm(args.model.string(), path_, args.convert_options());
  if (parts.codec) convert::convert_codec(args.model.string(), path_, {});
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "converted in %.1f s\n", s);
}

BundleDir::~BundleDir() {
  if (temporary_) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

}  // namespace fishtts::cli
