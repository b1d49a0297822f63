// One measured workload at one precision and thread count, with the figures derived from it: ms per frame,
// real-time factor, and the machine's bound (the fastest the stage could run here) with the ratio to it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/statistics.h"

namespace fishtts::cli::bench {

// The machine's limits measured in the same process as the workloads.
struct MachineBounds {
  int threads = 1;
  double read_gbps = 0;
  double fma_gflops = 0;
  nlohmann::json to_json() const;
};

// The least time a workload could take: bytes it must stream / bandwidth, or FLOPs it must do / FMA peak, or a
// sum of such parts.
struct Bound {
  double ms = 0;
  double weight_bytes = 0;  // streamed from memory
  double flops = 0;         // compute-bound part

  static Bound bandwidth(double bytes, const MachineBounds& m);
  static Bound compute(double flops, const MachineBounds& m);
  // ms from the bytes and FLOPs at these bounds.
  void update_ms(const MachineBounds& m);
  Bound operator+(const Bound& other) const;
  Bound operator*(double times) const;
};

struct WorkloadResult {
  std::string workload;    // prefill, generate, say, first_audio, codec_decode, codec_encode
  std::string group;       // transformer, end_to_end, codec
  std::string precision;   // transformer weights, or the codec variant for codec workloads
  int threads = 1;
  RunStats stats;
  int64_t peak_rss_bytes = 0;
  int frames = 0;          // code frames the timed region produced or consumed (0: not frame-based)
  int tokens = 0;          // prompt positions (prefill)
  double audio_seconds = 0;  // audio the timed region stands for (0: none)
  Bound bound;
  nlohmann::json quality;  // vs the fp32 reference, when measured

  // Adds ms_per_frame / ms_per_token, rtf and bound_ratio (bound / median: 1 = at the machine's limit).
  nlohmann::json to_json() const;
};

}  // namespace fishtts::cli::bench
