// What the machine offers: CPU model, cores, instruction sets, memory. Detection reads cpuid (through Google's
// cpu_features), the scheduler affinity mask, sysfs topology and cgroup limits, so a container limited to two
// CPUs reports two even on a large host.
#pragma once

#include <cstdint>
#include <string>

namespace fishtts::hw {

struct IsaFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  bool amx_tile = false;
  bool amx_int8 = false;
  bool amx_bf16 = false;
};

struct CpuInfo {
  std::string arch;         // "x86_64", "aarch64", ...
  std::string vendor;       // "GenuineIntel", "AuthenticAMD", ...
  std::string model_name;   // brand string
  int logical_cpus = 1;     // CPUs this process may run on (affinity mask, cgroup quota)
  int physical_cores = 1;   // distinct cores among those CPUs (SMT siblings counted once)
  IsaFeatures isa;
  std::uint64_t memory_bytes = 0;            // total RAM visible to the process (cgroup limit if lower)
  std::uint64_t available_memory_bytes = 0;  // MemAvailable (capped by the cgroup limit)
};

// Reads the current machine. Never throws: anything unreadable falls back to a conservative value.
CpuInfo detect_cpu();

}  // namespace fishtts::hw
