#include "bench/result.h"

namespace fishtts::cli::bench {

nlohmann::json MachineBounds::to_json() const {
  return {{"threads", threads}, {"read_gbps", read_gbps}, {"fma_gflops", fma_gflops}};
}

void Bound::update_ms(const MachineBounds& m) {
  ms = (weight_bytes > 0 && m.read_gbps > 0 ? weight_bytes / (m.read_gbps * 1e6) : 0) +
       (flops > 0 && m.fma_gflops > 0 ? flops / (m.fma_gflops * 1e6) : 0);
}

Bound Bound::bandwidth(double bytes, const MachineBounds& m) {
  Bound b{0, bytes, 0};
  b.update_ms(m);
  return b;
}

Bound Bound::compute(double flops, const MachineBounds& m) {
  Bound b{0, 0, flops};
  b.update_ms(m);
  return b;
}

Bound Bound::operator+(const Bound& o) const { return {ms + o.ms, weight_bytes + o.weight_bytes, flops + o.flops}; }

Bound Bound::operator*(double times) const { return {ms * times, weight_bytes * times, flops * times}; }

nlohmann::json WorkloadResult::to_json() const {
  nlohmann::json j = {{"workload", workload}, {"group", group},   {"precision", precision},
                      {"threads", threads},   {"peak_rss_bytes", peak_rss_bytes}};
  j.update(stats.to_json());
  if (frames > 0) {
    j["frames"] = frames;
    j["ms_per_frame"] = stats.median_ms / frames;
  }
  if (tokens > 0) {
    j["tokens"] = tokens;
    j["ms_per_token"] = stats.median_ms / tokens;
  }
  if (audio_seconds > 0) {
    j["audio_seconds"] = audio_seconds;
    j["rtf"] = stats.median_ms / 1000.0 / audio_seconds;
  }
  j["bound"] = {{"ms", bound.ms}, {"weight_bytes", bound.weight_bytes}, {"flops", bound.flops}};
  j["bound_ratio"] = stats.median_ms > 0 ? bound.ms / stats.median_ms : 0.0;
  if (!quality.is_null()) j["quality"] = quality;
  return j;
}

}  // namespace fishtts::cli::bench
