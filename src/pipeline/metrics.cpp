#include "pipeline/metrics.h"

#include <sys/resource.h>

#include <cstdio>

namespace fishtts::pipeline {

int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

nlohmann::json ChunkMetrics::to_json() const {
  return {{"characters", characters},
          {"prompt_positions", prompt_positions},
          {"context_positions", context_positions},
          {"reused_prefix_positions", reused_prefix_positions},
          {"frames", frames},
          {"first_frame_ms", first_frame_ms},
          {"generation_ms", generation_ms},
          {"stopped_on_im_end", stopped_on_im_end}};
}

nlohmann::json SynthesisMetrics::to_json() const {
  nlohmann::json per_chunk = nlohmann::json::array();
  for (const ChunkMetrics& c : chunks) per_chunk.push_back(c.to_json());
  return {{"tokenize_ms", tokenize_ms},
          {"reference_encode_ms", reference_encode_ms},
          {"first_frame_ms", first_frame_ms},
          {"generation_ms", generation_ms},
          {"ms_per_frame", ms_per_frame()},
          {"decode_ms", decode_ms},
          {"total_ms", total_ms},
          {"time_to_first_audio_ms", time_to_first_audio_ms},
          {"prompt_positions", prompt_positions},
          {"reused_prefix_positions", reused_prefix_positions},
          {"frames", frames},
          {"stopped_on_im_end", stopped_on_im_end},
          {"audio_seconds", audio_seconds},
          {"rtf", rtf()},
          {"peak_rss_bytes", peak_rss_bytes},
          {"text_chunks", text_chunks},
          {"chunks", per_chunk}};
}

std::string SynthesisMetrics::summary() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%.2f s of audio in %.2f s (RTF %.2f), %d text chunk%s: tokenize %.0f ms, references %.0f ms, first frame %.0f ms, "
                "%d frames at %.1f ms/frame, decode %.0f ms, first audio after %.0f ms, peak RSS %.0f MB",
                audio_seconds, total_ms / 1000.0, rtf(), text_chunks, text_chunks == 1 ? "" : "s", tokenize_ms, reference_encode_ms, first_frame_ms, frames,
                ms_per_frame(), decode_ms, time_to_first_audio_ms, static_cast<double>(peak_rss_bytes) / 1e6);
  return buf;
}

}  // namespace fishtts::pipeline
