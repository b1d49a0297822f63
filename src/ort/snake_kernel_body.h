// Body of the Snake row kernel, included by snake_kernel_{baseline,avx2,avx512}.cpp, each compiled for its ISA.
//
// Every element goes through the same SIMD path: the run is cut into fixed blocks and the last partial block is
// padded, so an element's result does not depend on where it sits in the run (no scalar std::sin for heads or
// tails). That keeps streaming decode == whole decode bit for bit, whatever the chunk lengths.
//
// One definition rule: Eigen's inline functions compiled with different -m flags in these units must not share
// a symbol, or the linker keeps one copy (say the AVX-512 one) for all. So each unit sets SNAKE_BLOCK to its
// own block size (every Eigen instantiation on the block type is then a distinct symbol) and renames Eigen's
// one non-template helper on this path, trig_reduce_huge. `nm` on the three objects shows no common weak symbol.
#pragma once

#ifndef SNAKE_BLOCK
#error "define SNAKE_BLOCK (floats per block, a multiple of 16, different in every ISA unit) before including"
#endif
#define trig_reduce_huge SNAKE_CONCAT(trig_reduce_huge_, SNAKE_BLOCK)
#define SNAKE_CONCAT(a, b) SNAKE_CONCAT2(a, b)
#define SNAKE_CONCAT2(a, b) a##b
#include <Eigen/Core>
#undef trig_reduce_huge

#include <algorithm>
#include <cstring>

namespace fishtts::ort::snake_detail {
namespace {

constexpr size_t kBlock = SNAKE_BLOCK;  // ~1 KB: stays in L1 between load and store
using Block = Eigen::Array<float, kBlock, 1>;

inline void snake_block(const Block& v, Block& out, float alpha, float inv_alpha) {
  const Block s = (v * alpha).sin();
  // Same operation order as the decomposed graph: x + inv * (s * s).
  out = v + inv_alpha * (s * s);
}

inline void snake_row_impl(const float* x, float* y, size_t n, float alpha,
                                                    float inv_alpha) {
  Block v, out;
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = std::min(kBlock, n - i);
    if (m < kBlock) v.setZero();
    std::memcpy(v.data(), x + i, m * sizeof(float));
    snake_block(v, out, alpha, inv_alpha);
    std::memcpy(y + i, out.data(), m * sizeof(float));
  }
}

// Channels-last runs: element i of x belongs to channel i % period, whose alpha and reciprocal are
// alpha_tiled[i % period] (the tiled arrays repeat the channels' values for period + kMaxSnakeBlock elements,
// so a block starting anywhere reads its lanes contiguously). Same per-element arithmetic as snake_row_impl.
inline void snake_tiled_impl(const float* x, float* y, size_t n, const float* alpha_tiled, const float* inv_tiled,
                             size_t period) {
  static_assert(kBlock <= kMaxSnakeBlock);
  Block v, out, a, inv;
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = std::min(kBlock, n - i);
    const size_t phase = i % period;
    if (m < kBlock) v.setZero();
    std::memcpy(v.data(), x + i, m * sizeof(float));
    std::memcpy(a.data(), alpha_tiled + phase, kBlock * sizeof(float));
    std::memcpy(inv.data(), inv_tiled + phase, kBlock * sizeof(float));
    const Block sv = (v * a).sin();
    out = v + inv * (sv * sv);
    std::memcpy(y + i, out.data(), m * sizeof(float));
  }
}

}  // namespace
}  // namespace fishtts::ort::snake_detail
