// What one synthesis cost, stage by stage (issue 6): printed as a summary line, written as JSON on request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fishtts::pipeline {

// One text chunk of a long-form request (issue 11).
struct ChunkMetrics {
  int characters = 0;               // code points of the chunk's text
  int prompt_positions = 0;
  int context_positions = 0;        // positions of earlier chunks carried as context
  int reused_prefix_positions = 0;
  int frames = 0;
  double first_frame_ms = 0;        // prefill + first frame of this chunk
  double generation_ms = 0;
  bool stopped_on_im_end = false;

  nlohmann::json to_json() const;
};

struct SynthesisMetrics {
  double tokenize_ms = 0;
  double reference_encode_ms = 0;
  double first_frame_ms = 0;       // prefill + the first frame (a frame is final once the next one exists)
  double generation_ms = 0;        // all frame generation, the first frame included
  double decode_ms = 0;            // codec
  double total_ms = 0;             // start to last sample
  double time_to_first_audio_ms = 0;
  int prompt_positions = 0;         // the longest prompt of any chunk
  int reused_prefix_positions = 0;  // prompt positions whose KV came from an earlier reference prefill (all chunks)
  int frames = 0;
  bool stopped_on_im_end = false;   // the last chunk's generation ended on <|im_end|>
  int text_chunks = 0;              // chunks the text was split into (1 without chunking)
  std::vector<ChunkMetrics> chunks; // those generated so far
  double audio_seconds = 0;
  int64_t peak_rss_bytes = 0;

  double ms_per_frame() const { return frames > 0 ? generation_ms / frames : 0.0; }
  // Processing seconds per audio second (< 1 is faster than real time).
  double rtf() const { return audio_seconds > 0 ? total_ms / 1000.0 / audio_seconds : 0.0; }

  nlohmann::json to_json() const;
  std::string summary() const;
};

// Peak resident set size of this process so far.
int64_t peak_rss_bytes();

}  // namespace fishtts::pipeline
