// `fishtts info [--json]`: the runtime, the machine, and the settings the engine will use on it, with reasons.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common/version.h"
#include "hw/cpu_info.h"
#include "hw/engine_settings.h"
#include "ort/env.h"

namespace fishtts::cli {
namespace {

struct InfoOptions {
  bool json = false;
  int threads = 0;
  std::string precision;
  std::string codec_precision;
};

nlohmann::json isa_json(const hw::IsaFeatures& isa) {
  return {{"avx2", isa.avx2},           {"fma", isa.fma},
          {"f16c", isa.f16c},           {"avx512f", isa.avx512f},
          {"avx512bw", isa.avx512bw},   {"avx512_vnni", isa.avx512_vnni},
          {"avx512_bf16", isa.avx512_bf16}, {"amx_tile", isa.amx_tile},
          {"amx_int8", isa.amx_int8},   {"amx_bf16", isa.amx_bf16}};
}

nlohmann::json build_report(const InfoOptions& opt) {
  hw::CpuInfo cpu = hw::detect_cpu();
  hw::SettingsOverrides overrides;
  overrides.threads = opt.threads;
  if (!opt.precision.empty()) overrides.precision = hw::parse_precision(opt.precision);
  if (!opt.codec_precision.empty()) overrides.codec_precision = hw::parse_codec_precision(opt.codec_precision);
  hw::EngineSettings s = hw::choose_settings(cpu, overrides);
  // The threads are the pool's (ort/env.h): what an engine in this process would run on.
  static_cast<void>(ort::share_env(s));

  return {
      {"fishtts", {{"version", version()}}},
      {"onnxruntime", {{"version", ort::runtime_version()}, {"providers", ort::available_providers()}}},
      {"cpu",
       {{"arch", cpu.arch},
        {"vendor", cpu.vendor},
        {"model", cpu.model_name},
        {"physical_cores", cpu.physical_cores},
        {"logical_cpus", cpu.logical_cpus},
        {"isa", isa_json(cpu.isa)}}},
      {"memory", {{"total_bytes", cpu.memory_bytes}, {"available_bytes", cpu.available_memory_bytes}}},
      {"settings",
       {{"intra_op_threads", {{"value", s.intra_op_threads}, {"reason", s.threads_reason}}},
        {"precision", {{"value", hw::precision_name(s.precision)}, {"reason", s.precision_reason}}},
        {"matmul_accuracy_level", {{"value", s.matmul_accuracy_level}, {"reason", s.accuracy_reason}}},
        {"codec_precision", {{"value", hw::codec_precision_name(s.codec_precision)}, {"reason", s.codec_precision_reason}}}}},
  };
}

std::string gib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

void print_text(const nlohmann::json& r) {
  const auto& cpu = r["cpu"];
  std::string isa;
  for (const auto& [name, on] : cpu["isa"].items()) {
    if (on.get<bool>()) isa += (isa.empty() ? "" : " ") + name;
  }
  std::string providers;
  for (const auto& p : r["onnxruntime"]["providers"]) providers += (providers.empty() ? "" : ", ") + p.get<std::string>();

  std::printf("fishtts      %s\n", r["fishtts"]["version"].get<std::string>().c_str());
  std::printf("onnxruntime  %s (%s)\n", r["onnxruntime"]["version"].get<std::string>().c_str(), providers.c_str());
  std::printf("cpu          %s [%s, %s]\n", cpu["model"].get<std::string>().c_str(),
              cpu["vendor"].get<std::string>().c_str(), cpu["arch"].get<std::string>().c_str());
  std::printf("cores        %d physical, %d logical\n", cpu["physical_cores"].get<int>(), cpu["logical_cpus"].get<int>());
  std::printf("isa          %s\n", isa.empty() ? "(none of interest)" : isa.c_str());
  std::printf("memory       %s total, %s available\n", gib(r["memory"]["total_bytes"].get<std::uint64_t>()).c_str(),
              gib(r["memory"]["available_bytes"].get<std::uint64_t>()).c_str());
  std::printf("\nsettings\n");
  for (const auto& [name, v] : r["settings"].items()) {
    std::string value = v["value"].is_string() ? v["value"].get<std::string>() : v["value"].dump();
    std::printf("  %-22s %-6s %s\n", name.c_str(), value.c_str(), v["reason"].get<std::string>().c_str());
  }
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto opt = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand("info", "Show the runtime, the hardware and the settings the engine picks");
  cmd->add_flag("--json", opt->json, "Print a JSON report");
  cmd->add_option("--threads", opt->threads, "Intra-op threads to report instead of the automatic choice (0 = auto)");
  cmd->add_option("--precision", opt->precision, "Weight precision to report instead of the automatic choice")
      ->check(CLI::IsMember(hw::precision_names()));
  cmd->add_option("--codec-precision", opt->codec_precision, "Codec decode precision to report instead of the automatic choice")
      ->check(CLI::IsMember(hw::codec_precision_names()));
  cmd->callback([opt] {
    nlohmann::json report = build_report(*opt);
    if (opt->json) {
      std::printf("%s\n", report.dump(2).c_str());
    } else {
      print_text(report);
    }
  });
}

}  // namespace fishtts::cli
