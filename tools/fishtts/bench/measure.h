// Repeats one workload: warm-up runs (not kept), then timed runs, with the peak memory of the whole series.
#pragma once

#include <functional>
#include <string>

#include "bench/statistics.h"

namespace fishtts::cli::bench {

struct Measurement {
  RunStats stats;
  int64_t peak_rss_bytes = 0;
};

// `once` runs the workload one time and returns the milliseconds of its timed region. Progress lines go to
// stderr under `label`.
Measurement measure(const std::string& label, int warmup, int runs, const std::function<double()>& once);

// Milliseconds since an arbitrary epoch (steady clock).
double now_ms();

}  // namespace fishtts::cli::bench
