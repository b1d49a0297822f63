// Reduced-precision codec convolutions: static int8 in QDQ form, which ONNX Runtime's QDQ transformer fuses into
// QLinearConv (u8 activations x s8 weights, its VNNI / AMX integer GEMM kernels).
//
//   x fp32 -> QuantizeLinear(u8, per-tensor) -> DequantizeLinear ─┐
//   weight s8 [Cout, ..] -> DequantizeLinear(per output channel) ─┼─ Conv -> QuantizeLinear(u8) -> DequantizeLinear
//   bias s32 (scale x_scale * w_scale[c]) -> DequantizeLinear ────┘
//
// The graph stays valid plain ONNX (the checker passes; any runtime can execute it in fp32). Activation scales are
// static: they come from calibration (convert/codec_calibration.h), one range for each conv's input and output.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "convert/graph_builder.h"
#include "hw/engine_settings.h"

namespace fishtts::convert {

// fp32 | int8 (of the decode convolutions; everything else stays fp32), chosen with the engine settings.
using hw::CodecPrecision;
using hw::codec_precision_name;
using hw::parse_codec_precision;

struct ValueRange {
  float min = 0.0f;
  float max = 0.0f;
};
struct ConvRanges {
  ValueRange input, output;
};
// The convs to run in int8, by the name the graph builder gives them (codec_layers: "<weight prefix>" or
// "<weight prefix>polyphase"), with their calibrated activation ranges.
using ConvQuantization = std::map<std::string, ConvRanges>;

// Asymmetric u8 parameters of a range (widened to include 0, so zero padding is exact).
struct U8Params {
  float scale = 1.0f;
  uint8_t zero_point = 0;
};
U8Params u8_params(ValueRange range);

// Conv of `x` in QDQ form (see above). weight: [Cout, Cin / group, kernel...] row-major fp32; dims its shape.
std::string qdq_conv(GraphBuilder& g, const std::string& x, const std::string& name, std::span<const float> weight,
                     const std::vector<int64_t>& dims, std::span<const float> bias, const ConvParams& params,
                     const ConvRanges& ranges);

}  // namespace fishtts::convert
