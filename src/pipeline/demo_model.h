// The built-in demo model: a tiny random-weight checkpoint in the official format, made deterministically on
// first use, so the engine runs end to end on a fresh machine with no download. Its audio is noise.
#pragma once

#include <filesystem>

namespace fishtts::pipeline {

// <cache_dir>/demo-model, created (atomically) if missing.
std::filesystem::path ensure_demo_model(const std::filesystem::path& cache_dir);

}  // namespace fishtts::pipeline
