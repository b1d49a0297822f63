// One request's incremental decode: frames in as the generator produces them, samples out as soon as they are
// final. Every codec block is causal, so the samples of a frame never change once emitted; the decode graph
// carries its conv tails and attention caches between calls, and positions continue across pushes, so the
// concatenated output equals the whole-utterance decode bit for bit (test-codec, chunks of 1/2/3/8 frames).
// Cost: every call runs the whole decode graph (~300 nodes), so 1-frame calls cost about 2x per frame of a
// 32-frame call on S1-mini sizes; 4-8 frames per call stay within ~10-20% (bench-codec).
#pragma once

#include <cstdint>
#include <vector>

#include "codec/chunk_state.h"
#include "codec/codec_model.h"

namespace fishtts::codec {

class StreamingDecoder {
 public:
  // Decodes whenever `chunk_frames` frames are buffered (1 = every push returns its samples at once), all whole
  // chunks of a push in one graph call.
  StreamingDecoder(const CodecModel& model, int chunk_frames);

  // Appends codes [num_codebooks, n] and returns the samples of the frames decoded by this call.
  std::vector<float> push(const text::IntMatrix& frames);
  // Decodes what is still buffered; the stream stays usable (more pushes continue the utterance).
  std::vector<float> finish();

  int64_t frames_pushed() const { return frames_pushed_; }
  int64_t frames_decoded() const { return frames_decoded_; }

 private:
  std::vector<float> decode_buffered(int64_t frames);

  const CodecModel& model_;
  int chunk_frames_;
  ChunkState state_;
  std::vector<std::vector<int64_t>> pending_;  // per codebook row
  int64_t frames_pushed_ = 0;
  int64_t frames_decoded_ = 0;
};

}  // namespace fishtts::codec
