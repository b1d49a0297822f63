// `fishtts dev ...`: developer tools. make-checkpoint writes a random-weight checkpoint in the official
// format (benchmarks, demos, tests); tensor-stats prints per-tensor checksums for reference checks.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkpoint/make_checkpoint.h"
#include "checkpoint/weights.h"
#include "commands.h"

namespace fishtts::cli {
namespace {

struct MakeOptions {
  std::string preset = "tiny";
  uint64_t seed = 0;
  std::string out;
  bool trained_entropy = false;
};

struct StatsOptions {
  std::string file;
  std::vector<std::string> names;
  size_t head = 8;
};

void add_make_checkpoint(CLI::App& dev) {
  auto opt = std::make_shared<MakeOptions>();
  CLI::App* cmd = dev.add_subcommand("make-checkpoint", "Write a random-weight checkpoint folder in the official S1 format");
  cmd->add_option("--preset", opt->preset, "tiny (the fixture's sizes), tiny-odd-heads (head sizes 40 and 24) or s1-mini (real S1-mini shapes, ~3.6 GB)")
      ->check(CLI::IsMember({"tiny", "tiny-odd-heads", "s1-mini"}));
  cmd->add_option("--seed", opt->seed, "Seed of the random weights");
  cmd->add_option("--out", opt->out, "Output folder (created)")->required();
  // A switch, not a temperature value: the scale follows from the checkpoint's own sizes (head_entropy.h), so
  // there is no number to tune per model size.
  cmd->add_flag("--trained-entropy", opt->trained_entropy,
                "Scale the output heads so the slow and fast logits are as peaked as a trained model's (top-1 "
                "probability ~0.3-0.7), for quality comparisons between precisions");
  cmd->callback([opt] {
    const checkpoint::Preset preset = checkpoint::preset_by_name(opt->preset);
    const auto heads = checkpoint::make_checkpoint(preset, opt->seed, opt->out, {.trained_entropy = opt->trained_entropy});
    std::printf("wrote %s checkpoint (seed %llu) to %s\n", opt->preset.c_str(), static_cast<unsigned long long>(opt->seed), opt->out.c_str());
    for (const checkpoint::HeadScale& h : heads) {
      std::printf("  %s: %lld classes, fan-in %lld: logit std %.3f, weight std %.5f\n", h.tensor.c_str(),
                  static_cast<long long>(h.classes), static_cast<long long>(h.fan_in), h.logit_std, h.weight_std);
    }
  });
}

void add_tensor_stats(CLI::App& dev) {
  auto opt = std::make_shared<StatsOptions>();
  CLI::App* cmd = dev.add_subcommand("tensor-stats", "Print name, dtype, shape, sum and first values of tensors in a .pth/.safetensors file (JSON)");
  cmd->add_option("file", opt->file, "Tensor file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--name", opt->names, "Only these tensors (repeatable)");
  cmd->add_option("--head", opt->head, "How many leading values to print");
  cmd->callback([opt] {
    const auto store = checkpoint::load_tensor_file(opt->file);
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    std::vector<std::string> names = opt->names.empty() ? store.names() : opt->names;
    for (const std::string& name : names) {
      const checkpoint::Tensor& t = store.get(name);
      const std::vector<float> values = t.to_float();
      double sum = 0.0;
      for (float v : values) sum += v;
      std::vector<float> head(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(std::min(opt->head, values.size())));
      out[name] = {{"dtype", checkpoint::dtype_name(t.dtype)}, {"shape", t.shape}, {"sum", sum}, {"head", head}};
    }
    std::printf("%s\n", out.dump().c_str());
  });
}

}  // namespace

void add_dev_command(CLI::App& app) {
  CLI::App* dev = app.add_subcommand("dev", "Developer tools");
  dev->require_subcommand(1);
  add_make_checkpoint(*dev);
  add_tensor_stats(*dev);
}

}  // namespace fishtts::cli
