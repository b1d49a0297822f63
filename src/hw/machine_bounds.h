// The machine's limits, measured in-process so every benchmark can state how close a stage gets to them:
// batch-1 transformer decoding is bound by memory bandwidth (weight bytes per frame / GB/s).
#pragma once

#include <cstddef>

namespace fishtts::hw {

// GB/s of `threads` threads summing a `bytes` buffer (far larger than the caches), fastest of `repeats` passes.
double measure_read_bandwidth_gbps(int threads, std::size_t bytes = std::size_t{1} << 30, int repeats = 5);

// GFLOP/s of `threads` threads running independent fused multiply-adds in the widest vectors this CPU has
// (AVX-512, else AVX2+FMA, else scalar): the arithmetic ceiling for compute-bound stages (the codec, prefill).
double measure_fma_peak_gflops(int threads, double seconds = 0.3);

}  // namespace fishtts::hw
