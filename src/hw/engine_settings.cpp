#include "hw/engine_settings.h"

#include <algorithm>

#include "common/error.h"

namespace fishtts::hw {
namespace {

// More threads than this never helped a batch-1 decoder in our measurements and only adds sync cost.
constexpr int kMaxAutoThreads = 16;
constexpr int kMaxThreads = 1024;

bool has_int8_dot(const IsaFeatures& isa) { return isa.avx512_vnni || isa.amx_int8; }

}  // namespace

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::kFp32: return "fp32";
    case Precision::kInt8: return "int8";
    case Precision::kInt4: return "int4";
    case Precision::kInt4Mixed: return "int4-mixed";
  }
  return "?";
}

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "int8") return Precision::kInt8;
  if (name == "int4") return Precision::kInt4;
  if (name == "int4-mixed") return Precision::kInt4Mixed;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown precision '" + name + "' (expected one of: fp32, int8, int4, int4-mixed)");
}

std::vector<std::string> precision_names() {
  std::vector<std::string> names;
  for (Precision p : {Precision::kFp32, Precision::kInt8, Precision::kInt4, Precision::kInt4Mixed}) names.push_back(precision_name(p));
  return names;
}

const char* codec_precision_name(CodecPrecision p) {
  switch (p) {
    case CodecPrecision::kBf16: return "bf16";
    case CodecPrecision::kBf16x3: return "bf16x3";
    case CodecPrecision::kInt8: return "int8";
    case CodecPrecision::kFp32: break;
  }
  return "fp32";
}

CodecPrecision parse_codec_precision(const std::string& name) {
  if (name == "fp32") return CodecPrecision::kFp32;
  if (name == "bf16") return CodecPrecision::kBf16;
  if (name == "bf16x3") return CodecPrecision::kBf16x3;
  if (name == "int8") return CodecPrecision::kInt8;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown codec precision '" + name + "' (expected one of: fp32, bf16, bf16x3, int8)");
}

EngineSettings choose_settings(const CpuInfo& cpu, const SettingsOverrides& overrides) {
  EngineSettings s;

  if (overrides.threads < 0 || overrides.threads > kMaxThreads) {
    throw Error(ErrorCode::kInvalidArgument, "threads must be between 1 and " + std::to_string(kMaxThreads) +
                                                 " (0 = automatic), got " + std::to_string(overrides.threads));
  }
  if (overrides.threads > 0) {
    s.intra_op_threads = overrides.threads;
    s.threads_reason = "set by the user";
  } else {
    s.intra_op_threads = std::clamp(cpu.physical_cores, 1, kMaxAutoThreads);
    s.threads_reason = "one per physical core (" + std::to_string(cpu.physical_cores) +
                       "): batch-1 decoding is memory-bandwidth bound and SMT siblings share a core's load ports";
    if (cpu.physical_cores > kMaxAutoThreads) s.threads_reason += ", capped at " + std::to_string(kMaxAutoThreads);
  }

  const IsaFeatures& isa = cpu.isa;
  if (has_int8_dot(isa) || isa.avx2) {
    s.matmul_accuracy_level = 4;
    s.accuracy_reason = has_int8_dot(isa)
                            ? "VNNI/AMX int8 dot products: MatMulNBits with int8 activations ran 3.1x faster than with fp32 compute"
                            : "AVX2 int8 kernels: MatMulNBits with int8 activations beats fp32 compute";
  } else {
    s.matmul_accuracy_level = 1;
    s.accuracy_reason = "no AVX2: integer kernels are not available, quantized weights are computed in fp32";
  }

  if (overrides.precision) {
    s.precision = *overrides.precision;
    s.precision_reason = "set by the user";
  } else if (has_int8_dot(isa)) {
    s.precision = Precision::kInt4;
    s.precision_reason =
        "int8 dot products (VNNI/AMX) present: 4-bit weights (block 128) run near memory bandwidth; "
        "an S1-mini slow-stack pass measured 9.0 ms at 4 bits vs 19.3 ms at 8 bits (2 threads, Zen 4)";
  } else if (isa.avx2) {
    s.precision = Precision::kInt8;
    s.precision_reason = "AVX2 without VNNI: 8-bit weights halve the bytes per frame at a small accuracy cost; "
                         "4-bit unpacking costs more compute here";
  } else {
    s.precision = Precision::kFp32;
    s.precision_reason = "no AVX2: quantized kernels fall back to slow paths, fp32 MatMul is fastest";
  }

  if (overrides.codec_precision) {
    s.codec_precision = *overrides.codec_precision;
    s.codec_precision_reason = "set by the user";
  } else if (cpu.isa.amx_bf16 && cpu.isa.avx512f) {
    // Measured (bench-codec, S1-mini-sized random codec, 2 threads, 16-frame calls, Sapphire Rapids): the
    // three-term split bf16 convs on AMX decode in 0.38-0.41 s per second of audio vs 0.60-0.64 for fp32, at
    // 66 dB SNR against fp32 (83 dB vs upstream on the tiny fixture). Plain bf16 is faster still but 14 dB.
    s.codec_precision = CodecPrecision::kBf16x3;
    s.codec_precision_reason =
        "AMX: split-bf16 convs (~16-bit accurate, 66 dB SNR against fp32) decode ~1.5x faster than fp32";
  } else {
    // Without AMX the split's 3x multiplies cost more than fp32 saves (AVX512-BF16 is only ~2x fp32), and int8
    // (VNNI/AMX QLinearConv) made the decode only ~1.3x faster at 16 dB SNR on the tiny fixture (7 dB on S1-mini),
    // below the 30 dB bar.
    s.codec_precision = CodecPrecision::kFp32;
    s.codec_precision_reason = "no AMX: fp32 is the fastest codec precision that keeps the audio within 30 dB of fp32";
  }
  return s;
}

}  // namespace fishtts::hw
