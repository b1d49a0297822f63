#include "bench/statistics.h"

#include <algorithm>

#include "common/error.h"

namespace fishtts::cli::bench {

RunStats summarize(std::vector<double> runs_ms) {
  if (runs_ms.empty()) throw Error(ErrorCode::kInvalidArgument, "benchmark statistics need at least one run");
  RunStats s;
  s.runs_ms = runs_ms;
  std::sort(runs_ms.begin(), runs_ms.end());
  const std::size_t n = runs_ms.size();
  s.median_ms = n % 2 ? runs_ms[n / 2] : (runs_ms[n / 2 - 1] + runs_ms[n / 2]) / 2;
  s.min_ms = runs_ms.front();
  s.max_ms = runs_ms.back();
  s.spread = s.median_ms > 0 ? (s.max_ms - s.min_ms) / s.median_ms : 0;
  return s;
}

nlohmann::json RunStats::to_json() const {
  return {{"runs_ms", runs_ms}, {"median_ms", median_ms}, {"min_ms", min_ms}, {"max_ms", max_ms}, {"spread", spread}};
}

}  // namespace fishtts::cli::bench
