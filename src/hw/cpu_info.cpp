#include "hw/cpu_info.h"

#include <sched.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuinfo_x86.h>
#endif

namespace fishtts::hw {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// CPUs this process may run on.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (int c = 0; c < std::max(1L, n); ++c) cpus.push_back(c);
  }
  return cpus;
}

// cgroup v2 "cpu.max" = "<quota> <period>" or "max <period>": a container's CPU budget.
int cgroup_cpu_limit() {
  std::istringstream in(read_first_line("/sys/fs/cgroup/cpu.max"));
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  double q = std::atof(quota.c_str());
  return q > 0 ? std::max(1, static_cast<int>(std::ceil(q / period))) : 0;
}

std::uint64_t cgroup_memory_limit() {
  std::string v = read_first_line("/sys/fs/cgroup/memory.max");
  if (v.empty() || v == "max") return 0;
  return std::strtoull(v.c_str(), nullptr, 10);
}

std::uint64_t meminfo_kb(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> name >> kb >> unit) {
    if (name == key + ":") return kb;
  }
  return 0;
}

// Distinct (package, core) pairs among the allowed CPUs; SMT siblings share a pair.
int count_physical_cores(const std::vector<int>& cpus) {
  std::set<std::pair<std::string, std::string>> cores;
  for (int c : cpus) {
    std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(c) + "/topology/";
    std::string pkg = read_first_line(base + "physical_package_id");
    std::string core = read_first_line(base + "core_id");
    if (core.empty()) return static_cast<int>(cpus.size());  // no topology: assume no SMT
    cores.emplace(pkg, core);
  }
  return std::max<int>(1, static_cast<int>(cores.size()));
}

void detect_isa(CpuInfo& info) {
#if defined(__x86_64__) || defined(__i386__)
  const cpu_features::X86Info x86 = cpu_features::GetX86Info();
  const auto& f = x86.features;
  info.vendor = x86.vendor;
  info.model_name = x86.brand_string;
  info.isa.avx2 = f.avx2;
  info.isa.fma = f.fma3;
  info.isa.f16c = f.f16c;
  info.isa.avx512f = f.avx512f;
  info.isa.avx512bw = f.avx512bw;
  info.isa.avx512_vnni = f.avx512vnni;
  info.isa.avx512_bf16 = f.avx512_bf16;
  info.isa.amx_tile = f.amx_tile;
  info.isa.amx_int8 = f.amx_int8;
  info.isa.amx_bf16 = f.amx_bf16;
#else
  (void)info;
#endif
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

}  // namespace

CpuInfo detect_cpu() {
  CpuInfo info;
  utsname uts{};
  if (uname(&uts) == 0) info.arch = uts.machine;

  detect_isa(info);
  info.model_name = trim(info.model_name);
  if (info.model_name.empty()) info.model_name = "unknown";
  if (info.vendor.empty()) info.vendor = "unknown";

  std::vector<int> cpus = allowed_cpus();
  info.logical_cpus = static_cast<int>(cpus.size());
  info.physical_cores = count_physical_cores(cpus);
  if (int quota = cgroup_cpu_limit(); quota > 0) {
    info.logical_cpus = std::min(info.logical_cpus, quota);
    info.physical_cores = std::min(info.physical_cores, quota);
  }

  struct sysinfo si{};
  if (sysinfo(&si) == 0) info.memory_bytes = static_cast<std::uint64_t>(si.totalram) * si.mem_unit;
  info.available_memory_bytes = meminfo_kb("MemAvailable") * 1024;
  if (std::uint64_t limit = cgroup_memory_limit(); limit > 0 && limit < info.memory_bytes) {
    info.memory_bytes = limit;
    info.available_memory_bytes = std::min(info.available_memory_bytes, limit);
  }
  return info;
}

}  // namespace fishtts::hw
