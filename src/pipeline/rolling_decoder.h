// A streaming codec decode of any length. One codec::StreamingDecoder is bounded by the codec's position limit
// (the rows of its RoPE tables: 4096 frames, 190 s for S1), which long-form synthesis passes. Before the limit a
// fresh decoder is warmed up on the last frames (its output discarded) and takes over. Every block is causal and
// the attention is windowed, so once the warm-up covers the window the new decoder's samples equal the old one's
// up to the rounding of RoPE at other absolute positions (spec 5.4): no seam, no click (test-long-form).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "codec/streaming_decoder.h"

namespace fishtts::pipeline {

// Frames (one column of codes each, in order) as a [codebooks, frames] matrix.
template <typename Columns>
text::IntMatrix frames_to_matrix(const Columns& frames, std::size_t codebooks) {
  text::IntMatrix m{codebooks, frames.size(), std::vector<int32_t>(codebooks * frames.size())};
  std::size_t f = 0;
  for (const auto& frame : frames) {
    for (std::size_t k = 0; k < codebooks; ++k) m.at(k, f) = frame[k];
    ++f;
  }
  return m;
}

class RollingDecoder {
 public:
  // `frame_limit` overrides the codec's position limit (tests); 0 = the codec's.
  RollingDecoder(const codec::CodecModel& model, int chunk_frames, int64_t frame_limit = 0);

  // Same contract as codec::StreamingDecoder: frames in, the samples that became final out.
  std::vector<float> push(const text::IntMatrix& frames);
  std::vector<float> finish();

  int64_t frames_pushed() const { return frames_pushed_; }
  int handovers() const { return handovers_; }
  int64_t warmup_frames() const { return warmup_; }

 private:
  void hand_over(std::vector<float>& out);

  const codec::CodecModel& model_;
  int chunk_frames_;
  int64_t limit_;
  int64_t warmup_;
  std::unique_ptr<codec::StreamingDecoder> current_;
  std::deque<std::vector<int32_t>> recent_;  // the last warmup_ frames, one column each
  int64_t frames_pushed_ = 0;
  int handovers_ = 0;
};

}  // namespace fishtts::pipeline
