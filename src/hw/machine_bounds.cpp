#include "hw/machine_bounds.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "hw/cpu_info.h"

namespace fishtts::hw {

double measure_read_bandwidth_gbps(int threads, std::size_t bytes, int repeats) {
  threads = std::max(1, threads);
  std::vector<float> buffer(bytes / sizeof(float), 1.0f);  // written once, so every page is really mapped
  const std::size_t chunk = buffer.size() / static_cast<std::size_t>(threads);
  double fastest = 1e30;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    std::vector<float> sums(static_cast<std::size_t>(threads));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        // Eight independent sums: no dependency chain, so the loop runs at load bandwidth, not add latency.
        float s[8] = {};
        const float* p = buffer.data() + static_cast<std::size_t>(t) * chunk;
        for (std::size_t i = 0; i + 8 <= chunk; i += 8) {
          for (int j = 0; j < 8; ++j) s[j] += p[i + static_cast<std::size_t>(j)];
        }
        float total = 0;
        for (float v : s) total += v;
        sums[static_cast<std::size_t>(t)] = total;
      });
    }
    for (std::thread& th : pool) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (sums[0] < 0) return 0;  // keeps the sums alive
    fastest = std::min(fastest, secs);
  }
  return static_cast<double>(chunk * static_cast<std::size_t>(threads) * sizeof(float)) / fastest / 1e9;
}

namespace {

// Each kernel keeps 12 accumulator chains in flight (enough to cover FMA latency x throughput on current cores)
// and returns the FLOPs it did; the result feeds a sink so nothing is optimised away.
#if defined(__x86_64__)
__attribute__((target("avx512f"))) double fma_avx512(long iterations, float* sink) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 total = acc[0];
  for (int i = 1; i < 12; ++i) total = _mm512_add_ps(total, acc[i]);
  *sink = _mm512_reduce_add_ps(total);
  return static_cast<double>(iterations) * 12 * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fma_avx2(long iterations, float* sink) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 total = acc[0];
  for (int i = 1; i < 12; ++i) total = _mm256_add_ps(total, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, total);
  *sink = lanes[0] + lanes[7];
  return static_cast<double>(iterations) * 12 * 8 * 2;
}
#endif

double fma_scalar(long iterations, float* sink) {
  float acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = static_cast<float>(i) * 1e-3f;
  for (long it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = std::fma(acc[i], 0.999999f, 1e-7f);
  }
  *sink = acc[0] + acc[11];
  return static_cast<double>(iterations) * 12 * 2;
}

}  // namespace

double measure_fma_peak_gflops(int threads, double seconds) {
  threads = std::max(1, threads);
  const IsaFeatures isa = detect_cpu().isa;
  auto kernel = fma_scalar;
#if defined(__x86_64__)
  if (isa.avx512f) {
    kernel = fma_avx512;
  } else if (isa.avx2 && isa.fma) {
    kernel = fma_avx2;
  }
#endif
  // Calibrate the iteration count on one thread, then run every thread for about `seconds`.
  float sink = 0;
  long iterations = 1 << 16;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    kernel(iterations, &sink);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > seconds / 10 || iterations > (1L << 40)) {
      iterations = static_cast<long>(static_cast<double>(iterations) * seconds / std::max(dt, 1e-6));
      break;
    }
    iterations *= 4;
  }
  std::vector<double> flops(static_cast<std::size_t>(threads));
  std::vector<float> sinks(static_cast<std::size_t>(threads));
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { flops[static_cast<std::size_t>(t)] = kernel(iterations, &sinks[static_cast<std::size_t>(t)]); });
  }
  for (std::thread& th : pool) th.join();
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double f : flops) total += f;
  return total / dt / 1e9;
}

}  // namespace fishtts::hw
