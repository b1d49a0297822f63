#include "convert/rope_tables.h"

#include <cmath>

#include "checkpoint/dtype.h"
#include "common/error.h"

namespace fishtts::convert {
namespace {

float round_to_bf16(double v) { return checkpoint::bf16_to_float(checkpoint::float_to_bf16(static_cast<float>(v))); }

}  // namespace

RopeTables make_rope_tables(int64_t positions, int64_t head_dim, double base) {
  if (positions <= 0 || head_dim <= 0 || head_dim % 2 != 0 || !(base > 0)) {
    throw Error(ErrorCode::kInvalidArgument, "RoPE tables need positions > 0, an even head_dim and base > 0");
  }
  RopeTables t;
  t.positions = positions;
  t.half_dim = head_dim / 2;
  std::vector<float> freq(static_cast<std::size_t>(t.half_dim));
  const float fbase = static_cast<float>(base);
  for (int64_t j = 0; j < t.half_dim; ++j) {
    // A pow then a reciprocal, both fp32, as upstream (not a negative-exponent pow).
    const float e = static_cast<float>(2 * j) / static_cast<float>(head_dim);
    freq[static_cast<std::size_t>(j)] = 1.0f / std::pow(fbase, e);
  }
  t.cos.resize(static_cast<std::size_t>(positions * t.half_dim));
  t.sin.resize(t.cos.size());
  for (int64_t p = 0; p < positions; ++p) {
    for (int64_t j = 0; j < t.half_dim; ++j) {
      const float angle = static_cast<float>(p) * freq[static_cast<std::size_t>(j)];  // one fp32 multiply
      // cos/sin of the fp32 angle, evaluated in double so the fp32 value is the correctly rounded one.
      const auto i = static_cast<std::size_t>(p * t.half_dim + j);
      t.cos[i] = round_to_bf16(static_cast<float>(std::cos(static_cast<double>(angle))));
      t.sin[i] = round_to_bf16(static_cast<float>(std::sin(static_cast<double>(angle))));
    }
  }
  return t;
}

}  // namespace fishtts::convert
