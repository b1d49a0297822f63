// The arithmetic of the fused Snake op (ort/snake_op.h): y = x + inv_alpha * sin(alpha * x)^2 over one channel's
// contiguous run, with Eigen's vectorized sin. Three builds of the same code (baseline x86-64, AVX2+FMA,
// AVX-512), chosen once from the CPU's instruction sets.
#pragma once

#include <cstddef>

namespace fishtts::ort {

using SnakeRowFn = void (*)(const float* x, float* y, size_t n, float alpha, float inv_alpha);
// Channels-last: x holds whole rows of `period` channels; alpha_tiled[j] = alpha[j % period] (likewise inv_tiled)
// for j < period + kMaxSnakeBlock.
using SnakeTiledFn = void (*)(const float* x, float* y, size_t n, const float* alpha_tiled, const float* inv_tiled,
                              size_t period);
inline constexpr size_t kMaxSnakeBlock = 512;  // floats; every build's block is at most this

// The fastest build this CPU runs, and its name ("avx512", "avx2", "baseline").
SnakeRowFn snake_row_for_cpu();
SnakeTiledFn snake_tiled_for_cpu();
const char* snake_row_isa();

namespace snake_detail {
void snake_row_baseline(const float* x, float* y, size_t n, float alpha, float inv_alpha);
void snake_tiled_baseline(const float* x, float* y, size_t n, const float* alpha_tiled, const float* inv_tiled,
                       size_t period);
void snake_row_avx2(const float* x, float* y, size_t n, float alpha, float inv_alpha);
void snake_tiled_avx2(const float* x, float* y, size_t n, const float* alpha_tiled, const float* inv_tiled,
                       size_t period);
void snake_row_avx512(const float* x, float* y, size_t n, float alpha, float inv_alpha);
void snake_tiled_avx512(const float* x, float* y, size_t n, const float* alpha_tiled, const float* inv_tiled,
                       size_t period);
}  // namespace snake_detail

}  // namespace fishtts::ort
