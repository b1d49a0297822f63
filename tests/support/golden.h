// The tiny fixture's golden arrays (../shared/fixtures/tiny-s1/golden, described by its manifest.json).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/npy.h"
#include "text/prompt.h"

namespace fishtts::test {

inline const std::filesystem::path kFixture = FISHTTS_FIXTURE_DIR;
inline const std::filesystem::path kGolden = kFixture / "golden";

inline std::vector<float> golden_f32(const std::string& name) {
  return io::npy_to_float32(io::read_npy(kGolden / (name + ".npy")), name);
}

// A 2-D integer array (codes, prompts, columns) as a matrix.
inline text::IntMatrix golden_matrix(const std::string& name) {
  io::NpyArray a = io::read_npy(kGolden / (name + ".npy"));
  text::IntMatrix m;
  m.rows = a.shape.at(0);
  m.cols = a.shape.at(1);
  m.values = io::npy_to_int32(a, name);
  return m;
}

}  // namespace fishtts::test
