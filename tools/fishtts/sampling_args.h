// The sampling flags `generate` and `say` share (defaults: S1's API defaults).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "lm/frame_generator.h"

namespace fishtts::cli {

struct SamplingArgs {
  lm::GenerationParams params;
  std::string history = "corrected";

  void add_to(CLI::App* cmd);
  // The validated parameters (history mode parsed); throws naming a bad value.
  lm::GenerationParams resolve() const;
};

}  // namespace fishtts::cli
