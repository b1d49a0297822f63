// `fishtts inspect DIR [--json] [--verify]`: what a checkpoint folder holds and whether it matches its config.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "checkpoint/summary.h"
#include "commands.h"

namespace fishtts::cli {
namespace {

struct InspectOptions {
  std::string dir;
  bool json = false;
  bool verify = false;
};

std::string thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string names_or_none(const nlohmann::ordered_json& list) {
  if (list.empty()) return "none";
  std::string s;
  for (size_t i = 0; i < list.size() && i < 8; ++i) s += (i ? ", " : "") + list[i].get<std::string>();
  if (list.size() > 8) s += ", ... (" + std::to_string(list.size()) + ")";
  return s;
}

void print_part(const char* title, const nlohmann::ordered_json& part) {
  std::printf("%s: %s\n", title, part["file"].get<std::string>().c_str());
  std::string dtypes;
  for (const auto& [name, n] : part["dtypes"].items()) dtypes += (dtypes.empty() ? "" : ", ") + name + " " + std::to_string(n.get<int64_t>());
  std::printf("  tensors: %lld in file, %lld after normalisation (%s)\n", static_cast<long long>(part["tensors_in_file"].get<int64_t>()),
              static_cast<long long>(part["tensors"].get<int64_t>()), dtypes.c_str());
  for (const auto& [block, n] : part["params_by_block"].items()) std::printf("  %-30s %15s\n", block.c_str(), thousands(n.get<int64_t>()).c_str());
  std::printf("  %-30s %15s  (config expects %s)\n", "total parameters", thousands(part["params_total"].get<int64_t>()).c_str(),
              thousands(part["params_expected"].get<int64_t>()).c_str());
  std::printf("  missing: %s\n  extra: %s\n", names_or_none(part["missing"]).c_str(), names_or_none(part["extra"]).c_str());
  for (const auto& m : part["wrong_shape"]) {
    std::printf("  wrong shape: %s expected %s got %s\n", m["name"].get<std::string>().c_str(), m["expected"].dump().c_str(), m["actual"].dump().c_str());
  }
}

void print_text(const nlohmann::ordered_json& s) {
  const auto& cfg = s["llm"]["config"];
  std::printf("checkpoint: %s\n", s["dir"].get<std::string>().c_str());
  std::printf("config: dim %lld, %lld slow layers (%lld q / %lld kv heads x %lld), %lld fast layers (dim %lld, %lld / %lld heads x %lld), "
              "vocab %lld, %lld codebooks x %lld\n",
              cfg["dim"].get<long long>(), cfg["n_layer"].get<long long>(), cfg["n_head"].get<long long>(), cfg["n_local_heads"].get<long long>(),
              cfg["head_dim"].get<long long>(), cfg["n_fast_layer"].get<long long>(), cfg["fast_dim"].get<long long>(),
              cfg["fast_n_head"].get<long long>(), cfg["fast_n_local_heads"].get<long long>(), cfg["fast_head_dim"].get<long long>(),
              cfg["vocab_size"].get<long long>(), cfg["num_codebooks"].get<long long>(), cfg["codebook_size"].get<long long>());
  if (!s["llm"]["unknown_config_fields"].empty()) std::printf("config fields not understood (kept): %s\n", s["llm"]["unknown_config_fields"].dump().c_str());
  print_part("LLM", s["llm"]);
  const auto& c = s["codec"];
  print_part("codec", c);
  std::printf("  config: %s; %lld Hz, hop %lld, frame %lld samples, %lld codebooks\n", c["config_source"].get<std::string>().c_str(),
              c["sample_rate"].get<long long>(), c["hop_length"].get<long long>(), c["frame_length"].get<long long>(), c["codebooks"].get<long long>());
  std::printf("tokenizer: %lld ranks\n", s["tokenizer"]["ranks"].get<long long>());
  std::printf("CRC-32 of tensor records: %s\n", s["crc_verified"].get<bool>() ? "verified" : "not checked (use --verify)");
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto opt = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a checkpoint folder's config, tensors, parameter counts and mismatches");
  cmd->add_option("dir", opt->dir, "Checkpoint folder (config.json, model.pth, codec.pth, ...)")->required()->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", opt->json, "Print JSON instead of a table");
  cmd->add_flag("--verify", opt->verify, "Also check the CRC-32 of every tensor record (reads every byte)");
  cmd->callback([opt] {
    checkpoint::LoadOptions load;
    load.verify_crc = opt->verify;
    const auto summary = checkpoint::summarize_checkpoint(opt->dir, load);
    if (opt->json) {
      std::printf("%s\n", summary.dump(2).c_str());
    } else {
      print_text(summary);
    }
    const bool ok = summary["llm"]["ok"].get<bool>() && summary["codec"]["ok"].get<bool>();
    if (!ok) throw CLI::RuntimeError(2);  // printed the report; signal the mismatch in the exit code
  });
}

}  // namespace fishtts::cli
