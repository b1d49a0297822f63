// The "hardware tier": how the engine configures itself for a machine. A pure function of the detected
// CpuInfo plus user overrides, so the rules can be tested on made-up CPUs. Every choice carries its reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hw/cpu_info.h"

namespace fishtts::hw {

// Weight precision of the transformer graphs (weight-only quantization; activations stay fp32). kInt4Mixed is int4
// with the most sensitive matmuls at int8 (convert/mixed_precision.h).
enum class Precision { kFp32, kInt8, kInt4, kInt4Mixed };

const char* precision_name(Precision p);
// Parses "fp32" | "int8" | "int4" | "int4-mixed"; throws fishtts::Error(kInvalidArgument) naming the accepted values.
Precision parse_precision(const std::string& name);
// Every name parse_precision accepts, for option checks.
std::vector<std::string> precision_names();

// Precision of the codec's decode convolutions: int8 QDQ (convert/codec_quantize.h), or bf16 through oneDNN
// (ort/conv1d_bf16_op.h) plain or as a three-term split (~16 bits); the rest of the codec stays fp32.
enum class CodecPrecision { kFp32, kBf16, kBf16x3, kInt8 };

const char* codec_precision_name(CodecPrecision p);
// Parses one of codec_precision_names(); throws fishtts::Error(kInvalidArgument) naming the accepted values.
CodecPrecision parse_codec_precision(const std::string& name);
// Every name parse_codec_precision accepts, reference (fp32) first: for option checks, help and variant lists.
std::vector<std::string> codec_precision_names();
// "name: what it is" for each, "; "-separated, for option help.
std::string codec_precision_help();

struct SettingsOverrides {
  int threads = 0;                       // 0 = choose from the hardware
  std::optional<Precision> precision;    // unset = choose from the ISA
  std::optional<CodecPrecision> codec_precision;  // unset = choose from the ISA
};

struct EngineSettings {
  int intra_op_threads = 1;
  std::string threads_reason;
  Precision precision = Precision::kFp32;
  std::string precision_reason;
  // MatMulNBits accuracy_level: 4 = int8 activations with integer dot products, 1 = fp32 compute.
  int matmul_accuracy_level = 1;
  std::string accuracy_reason;
  CodecPrecision codec_precision = CodecPrecision::kFp32;
  std::string codec_precision_reason;
};

// Throws fishtts::Error(kInvalidArgument) for a negative or absurd thread override.
EngineSettings choose_settings(const CpuInfo& cpu, const SettingsOverrides& overrides = {});

}  // namespace fishtts::hw
