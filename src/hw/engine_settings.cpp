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

namespace {
constexpr Precision kPrecisions[] = {Precision::kFp32, Precision::kInt8, Precision::kInt4, Precision::kInt4Mixed};
}  // namespace

Precision parse_precision(const std::string& name) {
  for (Precision p : kPrecisions) {
    if (name == precision_name(p)) return p;
  }
  std::string expected;
  for (const std::string& n : precision_names()) expected += (expected.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kInvalidArgument, "unknown precision '" + name + "' (expected one of: " + expected + ")");
}

std::vector<std::string> precision_names() {
  std::vector<std::string> names;
  for (Precision p : kPrecisions) names.push_back(precision_name(p));
  return names;
}

namespace {
// The one list of codec precisions: the CLI's option checks and help, `info`, the bench's variants and the C API's
// messages all read it. Its order is the order they list them in.
struct CodecPrecisionEntry {
  CodecPrecision value;
  const char* name;
  const char* about;
};
constexpr CodecPrecisionEntry kCodecPrecisions[] = {
    {CodecPrecision::kFp32, "fp32", "the reference"},
    {CodecPrecision::kBf16, "bf16", "plain bf16 through oneDNN, as upstream's bf16 autocast, fast with AMX"},
    {CodecPrecision::kBf16x3, "bf16x3", "a three-term bf16 split through oneDNN, ~16-bit accurate"},
    {CodecPrecision::kInt8, "int8", "static int8, calibrated at conversion"},
};
}  // namespace

const char* codec_precision_name(CodecPrecision p) {
  for (const CodecPrecisionEntry& e : kCodecPrecisions) {
    if (e.value == p) return e.name;
  }
  return "?";
}

CodecPrecision parse_codec_precision(const std::string& name) {
  for (const CodecPrecisionEntry& e : kCodecPrecisions) {
    if (name == e.name) return e.value;
  }
  std::string expected;
  for (const std::string& n : codec_precision_names()) expected += (expected.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown codec precision '" + name + "' (expected one of: " + expected + ")");
}

std::vector<std::string> codec_precision_names() {
  std::vector<std::string> names;
  for (const CodecPrecisionEntry& e : kCodecPrecisions) names.push_back(e.name);
  return names;
}

std::string codec_precision_help() {
  std::string help;
  for (const CodecPrecisionEntry& e : kCodecPrecisions) {
    help += std::string(help.empty() ? "" : "; ") + e.name + ": " + e.about;
  }
  return help;
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
  } else if ((cpu.isa.amx_bf16 || cpu.isa.avx512_bf16) && cpu.isa.avx512f) {
    // Upstream's own TTS path decodes under bf16 autocast, on CPU too (spec 5.5): its default output is a bf16
    // decode, 24.9 dB from its fp32 decode on the tiny fixture and 12.1 dB on S1-mini random weights. Our plain
    // bf16 convs are closer to fp32 than that (29.2 / 15.8 dB) and decode at about half the cost of fp32.
    // Measured (bench codec_decode, S1-mini random, 2 threads, 10 s of audio): AMX (Sapphire Rapids) bf16 0.197
    // vs bf16x3 0.411 s per second of audio; AVX512-BF16 without AMX (Zen 4) bf16 0.58 vs fp32 1.15 vs bf16x3
    // 1.66. bf16x3 stays the near-fp32 option, fp32 the reference.
    s.codec_precision = CodecPrecision::kBf16;
    s.codec_precision_reason = std::string(cpu.isa.amx_bf16 ? "AMX" : "AVX512-BF16") +
                               ": plain bf16 convs decode ~2x faster than fp32 and stay closer to fp32 than upstream's "
                               "own default (its bf16-autocast decode)";
  } else {
    // Without bf16 dot products, bf16 is emulated and slow, and int8 (VNNI QLinearConv) made the decode only
    // ~1.3x faster at 16 dB SNR on the tiny fixture (7 dB on S1-mini), below upstream's own bf16 default.
    s.codec_precision = CodecPrecision::kFp32;
    s.codec_precision_reason = "no bf16 dot products (AMX or AVX512-BF16): fp32 is the fastest codec precision "
                               "that keeps the audio as close to fp32 as upstream's bf16 default";
  }
  return s;
}

}  // namespace fishtts::hw
