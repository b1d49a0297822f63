#include "bench/measure.h"

#include <chrono>
#include <cstdio>

#include "bench/peak_rss.h"

namespace fishtts::cli::bench {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Measurement measure(const std::string& label, int warmup, int runs, const std::function<double()>& once) {
  reset_peak_rss();
  for (int i = 0; i < warmup; ++i) {
    const double ms = once();
    std::fprintf(stderr, "bench: %s warm-up %d/%d: %.1f ms\n", label.c_str(), i + 1, warmup, ms);
  }
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    times.push_back(once());
    std::fprintf(stderr, "bench: %s run %d/%d: %.1f ms\n", label.c_str(), i + 1, runs, times.back());
  }
  Measurement m;
  m.stats = summarize(std::move(times));
  m.peak_rss_bytes = peak_rss_bytes_since_reset();
  return m;
}

}  // namespace fishtts::cli::bench
