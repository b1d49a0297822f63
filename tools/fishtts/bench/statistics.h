// Summary of repeated timings: the median is the figure, min / max and their spread say how much to trust it
// (the machine is shared, so a wide spread means the runs were disturbed).
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

namespace fishtts::cli::bench {

struct RunStats {
  std::vector<double> runs_ms;
  double median_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
  double spread = 0;  // (max - min) / median

  nlohmann::json to_json() const;
};

// Throws Error(kInvalidArgument) for no runs.
RunStats summarize(std::vector<double> runs_ms);

}  // namespace fishtts::cli::bench
