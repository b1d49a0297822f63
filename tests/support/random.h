// Seeded Gaussian test data: the same values for the same (n, seed, sd) in every test and on every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace fishtts::test {

// n draws of N(0, sd^2) from std::mt19937(seed), in order.
inline std::vector<float> random_normal(size_t n, uint32_t seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sd);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace fishtts::test
