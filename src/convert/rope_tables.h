// RoPE cos/sin tables exactly as upstream builds them (spec 2.4): fp32 frequencies 1 / base^(2j/d), fp32 angles
// pos * f_j, cos/sin rounded to bf16 (upstream stores the table in bf16 and every precision inherits the
// rounding), returned as fp32 [positions, head_dim / 2] for ONNX Runtime's rotary caches.
#pragma once

#include <cstdint>
#include <vector>

namespace fishtts::convert {

struct RopeTables {
  int64_t positions = 0;
  int64_t half_dim = 0;
  std::vector<float> cos;  // [positions, half_dim]
  std::vector<float> sin;
};

RopeTables make_rope_tables(int64_t positions, int64_t head_dim, double base);

}  // namespace fishtts::convert
