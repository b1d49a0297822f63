// The hardware tier rules on made-up CPUs: threads and precision follow the ISA and core count.
#include <gtest/gtest.h>

#include "common/error.h"
#include "hw/cpu_info.h"
#include "hw/engine_settings.h"
#include "hw/machine_bounds.h"

namespace {

using fishtts::hw::choose_settings;
using fishtts::hw::CpuInfo;
using fishtts::hw::Precision;

CpuInfo cpu(int physical, int logical) {
  CpuInfo c;
  c.arch = "x86_64";
  c.physical_cores = physical;
  c.logical_cpus = logical;
  c.memory_bytes = 16ull << 30;
  return c;
}

CpuInfo sapphire_rapids() {
  CpuInfo c = cpu(8, 16);
  c.isa.avx2 = c.isa.fma = c.isa.avx512f = c.isa.avx512_vnni = c.isa.avx512_bf16 = true;
  c.isa.amx_tile = c.isa.amx_int8 = c.isa.amx_bf16 = true;
  return c;
}

CpuInfo haswell() {
  CpuInfo c = cpu(4, 8);
  c.isa.avx2 = c.isa.fma = true;
  return c;
}

CpuInfo old_sse_only() { return cpu(2, 2); }

TEST(EngineSettings, ThreadsFollowPhysicalCoresNotSmtSiblings) {
  EXPECT_EQ(choose_settings(sapphire_rapids()).intra_op_threads, 8);
  EXPECT_EQ(choose_settings(haswell()).intra_op_threads, 4);
  EXPECT_EQ(choose_settings(cpu(1, 2)).intra_op_threads, 1);
}

TEST(EngineSettings, ThreadsAreCappedOnHugeMachines) {
  auto s = choose_settings(cpu(96, 192));
  EXPECT_EQ(s.intra_op_threads, 16);
  EXPECT_NE(s.threads_reason.find("capped"), std::string::npos);
}

TEST(EngineSettings, BrokenTopologyStillGivesOneThread) {
  EXPECT_EQ(choose_settings(cpu(0, 0)).intra_op_threads, 1);
}

TEST(EngineSettings, PrecisionFollowsIntegerDotProductSupport) {
  auto spr = choose_settings(sapphire_rapids());
  EXPECT_EQ(spr.precision, Precision::kInt4);
  EXPECT_EQ(spr.matmul_accuracy_level, 4);

  CpuInfo zen4 = cpu(8, 16);
  zen4.isa.avx2 = zen4.isa.avx512f = zen4.isa.avx512_vnni = true;
  EXPECT_EQ(choose_settings(zen4).precision, Precision::kInt4);

  auto hsw = choose_settings(haswell());
  EXPECT_EQ(hsw.precision, Precision::kInt8);
  EXPECT_EQ(hsw.matmul_accuracy_level, 4);

  auto old = choose_settings(old_sse_only());
  EXPECT_EQ(old.precision, Precision::kFp32);
  EXPECT_EQ(old.matmul_accuracy_level, 1);
}

TEST(EngineSettings, CodecPrecisionIsBf16WithBf16DotProducts) {
  using fishtts::hw::CodecPrecision;
  EXPECT_EQ(choose_settings(sapphire_rapids()).codec_precision, CodecPrecision::kBf16);
  CpuInfo zen4 = cpu(8, 16);  // AVX512-BF16 without AMX: bf16 measured ~2x faster than fp32 there too
  zen4.isa.avx2 = zen4.isa.avx512f = zen4.isa.avx512_vnni = zen4.isa.avx512_bf16 = true;
  EXPECT_EQ(choose_settings(zen4).codec_precision, CodecPrecision::kBf16);
  zen4.isa.avx512_bf16 = false;  // AVX-512 without bf16 dot products (Ice Lake, Zen 3 has none at all)
  EXPECT_EQ(choose_settings(zen4).codec_precision, CodecPrecision::kFp32);
  EXPECT_EQ(choose_settings(haswell()).codec_precision, CodecPrecision::kFp32);
  fishtts::hw::SettingsOverrides fp32;
  fp32.codec_precision = CodecPrecision::kFp32;
  EXPECT_EQ(choose_settings(sapphire_rapids(), fp32).codec_precision, CodecPrecision::kFp32);
  EXPECT_EQ(fishtts::hw::parse_codec_precision("bf16x3"), CodecPrecision::kBf16x3);
  EXPECT_STREQ(fishtts::hw::codec_precision_name(CodecPrecision::kBf16), "bf16");
}

TEST(EngineSettings, EveryChoiceHasAReason) {
  for (const CpuInfo& c : {sapphire_rapids(), haswell(), old_sse_only()}) {
    auto s = choose_settings(c);
    EXPECT_FALSE(s.threads_reason.empty());
    EXPECT_FALSE(s.precision_reason.empty());
    EXPECT_FALSE(s.accuracy_reason.empty());
    EXPECT_FALSE(s.codec_precision_reason.empty());
  }
}

TEST(EngineSettings, UserOverridesWin) {
  fishtts::hw::SettingsOverrides o;
  o.threads = 3;
  o.precision = Precision::kFp32;
  auto s = choose_settings(sapphire_rapids(), o);
  EXPECT_EQ(s.intra_op_threads, 3);
  EXPECT_EQ(s.precision, Precision::kFp32);
  EXPECT_EQ(s.precision_reason, "set by the user");
}

TEST(EngineSettings, InvalidThreadOverrideIsRejected) {
  fishtts::hw::SettingsOverrides o;
  o.threads = -1;
  EXPECT_THROW(choose_settings(haswell(), o), fishtts::Error);
  o.threads = 100000;
  EXPECT_THROW(choose_settings(haswell(), o), fishtts::Error);
}

// One table names the codec precisions: every name parses back, and a bad name's error lists exactly them.
TEST(EngineSettings, CodecPrecisionNamesComeFromOneTable) {
  const std::vector<std::string> names = fishtts::hw::codec_precision_names();
  EXPECT_EQ(names, (std::vector<std::string>{"fp32", "bf16", "bf16x3", "int8"}));
  std::string listed;
  for (const std::string& n : names) {
    EXPECT_EQ(fishtts::hw::codec_precision_name(fishtts::hw::parse_codec_precision(n)), n);
    EXPECT_NE(fishtts::hw::codec_precision_help().find(n + ": "), std::string::npos) << n;
    listed += (listed.empty() ? "" : ", ") + n;
  }
  try {
    fishtts::hw::parse_codec_precision("fp16");
    FAIL() << "fp16 parsed";
  } catch (const fishtts::Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown codec precision 'fp16' (expected one of: " + listed + ")");
  }
}

TEST(EngineSettings, PrecisionNamesRoundTrip) {
  for (Precision p : {Precision::kFp32, Precision::kInt8, Precision::kInt4}) {
    EXPECT_EQ(fishtts::hw::parse_precision(fishtts::hw::precision_name(p)), p);
  }
  try {
    fishtts::hw::parse_precision("bf16");
    FAIL() << "bf16 accepted";
  } catch (const fishtts::Error& e) {
    EXPECT_EQ(e.code(), fishtts::ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("bf16"), std::string::npos);
  }
}

TEST(CpuDetection, ThisMachineIsSane) {
  CpuInfo c = fishtts::hw::detect_cpu();
  EXPECT_GE(c.physical_cores, 1);
  EXPECT_GE(c.logical_cpus, c.physical_cores);
  EXPECT_GT(c.memory_bytes, 0u);
  EXPECT_FALSE(c.arch.empty());
}

}  // namespace

namespace {

TEST(MachineBounds, BandwidthAndFmaPeakAreMeasuredAndPlausible) {
  // Small and short: the numbers are sanity-checked, not benchmarked (the real figures come from fishtts bench).
  const double gbps = fishtts::hw::measure_read_bandwidth_gbps(1, std::size_t{64} << 20, 2);
  EXPECT_GT(gbps, 0.5);
  EXPECT_LT(gbps, 2000.0);
  const double gflops = fishtts::hw::measure_fma_peak_gflops(1, 0.05);
  EXPECT_GT(gflops, 0.5);
  EXPECT_LT(gflops, 100000.0);
}

}  // namespace
