// The Snake row kernel built for avx2 (compile options in src/ort/CMakeLists.txt).
#include "ort/snake_kernel.h"

#define SNAKE_BLOCK 256  // distinct per ISA unit (see snake_kernel_body.h)
#include "ort/snake_kernel_body.h"

namespace fishtts::ort::snake_detail {

void snake_row_avx2(const float* x, float* y, size_t n, float alpha, float inv_alpha) {
  snake_row_impl(x, y, n, alpha, inv_alpha);
}

void snake_tiled_avx2(const float* x, float* y, size_t n, const float* alpha_tiled, const float* inv_tiled,
                       size_t period) {
  snake_tiled_impl(x, y, n, alpha_tiled, inv_tiled, period);
}

}  // namespace fishtts::ort::snake_detail
