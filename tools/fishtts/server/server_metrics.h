// Counters and gauges for GET /metrics in the Prometheus text format (version 0.0.4).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "pipeline/metrics.h"

namespace fishtts::server {

class ServerMetrics {
 public:
  // `route` must come from a fixed set (the known paths, or "other") to keep the label count bounded.
  void count_request(const std::string& route, int status);
  void record_synthesis(const pipeline::SynthesisMetrics& m);
  void count_cancelled();
  void count_reference_cache_hit();

  std::string render(std::size_t queue_waiting, bool busy, std::size_t queue_limit, bool ready) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::uint64_t syntheses_ = 0;
  std::uint64_t cancelled_ = 0;
  std::uint64_t reference_cache_hits_ = 0;
  double audio_seconds_total_ = 0;
  double processing_seconds_total_ = 0;
  double last_rtf_ = 0;
  double last_ttfa_seconds_ = 0;
  double ttfa_seconds_total_ = 0;
  // RTF histogram: an autoscaler reads the share of syntheses slower than real time (le="1") from it.
  static constexpr std::array<double, 7> kRtfBuckets = {0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0};
  std::array<std::uint64_t, kRtfBuckets.size()> rtf_buckets_{};  // cumulative counts, as Prometheus wants
  double rtf_sum_ = 0;
  std::uint64_t prefix_cache_hits_ = 0;  // syntheses that reused a cached KV prefix (the voice's)
};

}  // namespace fishtts::server
