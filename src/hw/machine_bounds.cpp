#include "hw/machine_bounds.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

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

}  // namespace fishtts::hw
