#include "convert/codec_quantize.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "convert/quantize.h"

namespace fishtts::convert {
namespace {

// Quantize + dequantize with static u8 parameters: the activation half of a QDQ node unit.
std::string fake_quant_u8(GraphBuilder& g, const std::string& x, const std::string& hint, const U8Params& p) {
  const std::string scale = g.add_initializer(hint + ".scale", std::span<const float>(&p.scale, 1), {});
  const std::string zero = g.add_initializer(hint + ".zero_point", std::span<const uint8_t>(&p.zero_point, 1), {});
  return g.op("DequantizeLinear", {g.op("QuantizeLinear", {x, scale, zero}), scale, zero});
}

}  // namespace

U8Params u8_params(ValueRange range) {
  const float lo = std::min(range.min, 0.0f), hi = std::max(range.max, 0.0f);
  U8Params p;
  if (!(hi > lo) || !std::isfinite(hi - lo)) return p;  // an all-zero (or broken) range: any scale is exact
  p.scale = (hi - lo) / 255.0f;
  p.zero_point = static_cast<uint8_t>(std::clamp(std::nearbyint(-lo / p.scale), 0.0f, 255.0f));
  return p;
}

std::string qdq_conv(GraphBuilder& g, const std::string& x, const std::string& name, std::span<const float> weight,
                     const std::vector<int64_t>& dims, std::span<const float> bias, const ConvParams& params,
                     const ConvRanges& ranges) {
  const int64_t cout = dims.at(0);
  const int64_t per_out = static_cast<int64_t>(weight.size()) / cout;
  if (per_out * cout != static_cast<int64_t>(weight.size()) || static_cast<int64_t>(bias.size()) != cout) {
    throw Error(ErrorCode::kInvalidArgument, name + ": " + std::to_string(weight.size()) + " weights and " +
                                                 std::to_string(bias.size()) + " biases for " + std::to_string(cout) +
                                                 " output channels");
  }
  // Symmetric per-output-channel int8 weights (zero point 0, codes -127..127), back in [Cout, ...] order.
  const ChannelQuantized q = quantize_per_channel_int8(weight, cout, per_out);
  std::vector<int8_t> codes(weight.size());
  for (int64_t o = 0; o < cout; ++o) {
    for (int64_t i = 0; i < per_out; ++i) codes[o * per_out + i] = q.data[i * cout + o];
  }
  const U8Params in = u8_params(ranges.input);
  // int32 bias on the accumulator's scale (x_scale * w_scale[c]), as QLinearConv takes it.
  std::vector<float> w_scales(q.scales), b_scales(static_cast<size_t>(cout));
  std::vector<int32_t> b_codes(static_cast<size_t>(cout));
  for (int64_t o = 0; o < cout; ++o) {
    if (w_scales[o] == 0.0f) w_scales[o] = 1.0f;  // an all-zero channel: codes are 0 whatever the scale
    b_scales[o] = in.scale * w_scales[o];
    const double code = std::nearbyint(static_cast<double>(bias[o]) / b_scales[o]);
    b_codes[o] = static_cast<int32_t>(std::clamp(code, -2147483647.0, 2147483647.0));
  }
  const std::vector<int8_t> w_zeros(static_cast<size_t>(cout), 0);
  const std::vector<int32_t> b_zeros(static_cast<size_t>(cout), 0);
  const std::string w = g.op("DequantizeLinear",
                             {g.add_initializer(name + ".weight_q", std::span<const int8_t>(codes), dims),
                              g.add_initializer(name + ".weight_scale", std::span<const float>(w_scales), {cout}),
                              g.add_initializer(name + ".weight_zero_point", std::span<const int8_t>(w_zeros), {cout})},
                             {{"axis", 0}});
  const std::string b = g.op("DequantizeLinear",
                             {g.add_initializer(name + ".bias_q", std::span<const int32_t>(b_codes), {cout}),
                              g.add_initializer(name + ".bias_scale", std::span<const float>(b_scales), {cout}),
                              g.add_initializer(name + ".bias_zero_point", std::span<const int32_t>(b_zeros), {cout})},
                             {{"axis", 0}});
  const std::string xq = fake_quant_u8(g, x, name + ".input", in);
  return fake_quant_u8(g, g.conv(xq, w, b, params), name + ".output", u8_params(ranges.output));
}

}  // namespace fishtts::convert
