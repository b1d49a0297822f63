#include "bench/machine_report.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "common/version.h"
#include "hw/cpu_info.h"
#include "hw/engine_settings.h"
#include "ort/env.h"

namespace fishtts::cli::bench {
namespace {

std::vector<std::string> isa_names(const hw::IsaFeatures& isa) {
  const std::pair<const char*, bool> all[] = {
      {"avx2", isa.avx2},         {"fma", isa.fma},           {"f16c", isa.f16c},
      {"avx512f", isa.avx512f},   {"avx512bw", isa.avx512bw}, {"avx512_vnni", isa.avx512_vnni},
      {"avx512_bf16", isa.avx512_bf16}, {"amx_int8", isa.amx_int8}, {"amx_bf16", isa.amx_bf16}};
  std::vector<std::string> names;
  for (const auto& [name, on] : all) {
    if (on) names.emplace_back(name);
  }
  return names;
}

// The commit of `repo_root`, else of the checkout this binary was built in (build dirs live inside it).
std::string git_commit(const std::filesystem::path& repo_root) {
  std::error_code ec;
  const std::filesystem::path where =
      repo_root.empty() ? std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() : repo_root;
  if (where.empty()) return "";
  const std::string cmd = "git -C '" + where.string() + "' rev-parse HEAD 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

}  // namespace

std::vector<double> load_average() {
  std::ifstream in("/proc/loadavg");
  std::vector<double> v(3);
  if (!(in >> v[0] >> v[1] >> v[2])) return {};
  return v;
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string cpu_slug(const std::string& model_name) {
  std::string slug;
  for (char ch : model_name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      slug += static_cast<char>(std::tolower(c));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "unknown-cpu" : slug;
}

nlohmann::json machine_json(const std::filesystem::path& repo_root) {
  const hw::CpuInfo cpu = hw::detect_cpu();
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return {{"cpu", cpu.model_name},
          {"arch", cpu.arch},
          {"logical_cpus", cpu.logical_cpus},
          {"physical_cores", cpu.physical_cores},
          {"isa", isa_names(cpu.isa)},
          {"memory_bytes", cpu.memory_bytes},
          {"default_threads", hw::choose_settings(cpu).intra_op_threads},
          {"onnxruntime", ort::runtime_version()},
          {"fishtts", version()},
          {"git_commit", git_commit(repo_root)},
          {"date", stamp}};
}

}  // namespace fishtts::cli::bench
