// Comparing decoded audio and slicing code matrices (codec tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "text/prompt.h"

namespace fishtts::test {

inline float max_abs_diff(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  float d = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// 10 log10(|reference|^2 / |reference - test|^2); 400 when identical.
inline double snr_db(std::span<const float> reference, std::span<const float> test) {
  double signal = 0, noise = 0;
  for (size_t i = 0; i < std::min(reference.size(), test.size()); ++i) {
    signal += double(reference[i]) * reference[i];
    noise += (double(reference[i]) - test[i]) * (double(reference[i]) - test[i]);
  }
  return noise == 0 ? 400.0 : 10.0 * std::log10(signal / noise);
}

// Columns [begin, end) of a code matrix.
inline text::IntMatrix columns(const text::IntMatrix& m, size_t begin, size_t end) {
  return m.columns(begin, end - begin);
}

}  // namespace fishtts::test
