// One request: text (+ references) -> a stream of audio chunks, pulled one at a time (start / next / cancel).
// Frames are decoded as they are generated (the codec's streaming decoder carries its causal state), so the
// chunks concatenated equal the whole-utterance decode, and audio can play before generation ends.
//
//   pipeline::Synthesis s(engine, request);
//   pipeline::AudioChunk chunk;
//   while (s.next(chunk)) play(chunk.samples);   // chunk.is_last on the final one
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "lm/frame_generator.h"
#include "pipeline/engine.h"
#include "pipeline/metrics.h"

namespace fishtts::pipeline {

// A reference voice: its transcript and either its codes or its audio (mono, at the engine's sample rate),
// which the codec encodes.
struct ReferenceInput {
  std::string text;
  text::IntMatrix codes;
  std::vector<float> samples;
};

struct SynthesisRequest {
  std::string text;
  std::vector<ReferenceInput> references;
  lm::GenerationParams generation;
  // Frames per audio chunk after the first (16 frames = 0.74 s). The first chunk is smaller (first_chunk_frames)
  // so audio starts early.
  int chunk_frames = 16;
  int first_chunk_frames = 4;
};

struct AudioChunk {
  std::vector<float> samples;
  bool is_last = false;
};

class Synthesis {
 public:
  Synthesis(std::shared_ptr<const Engine> engine, SynthesisRequest request);
  ~Synthesis();

  // The next chunk; false once the last chunk has been returned. Throws fishtts::Error (kCancelled after
  // cancel(), or what the request got wrong: text too long, bad reference).
  bool next(AudioChunk& chunk);
  // Safe from another thread: the request stops before its next model call.
  void cancel();

  const SynthesisMetrics& metrics() const { return metrics_; }

 private:
  void start();

  std::shared_ptr<const Engine> engine_;
  SynthesisRequest request_;
  SynthesisMetrics metrics_;
  std::unique_ptr<lm::LmSession> session_;
  std::unique_ptr<lm::FrameGenerator> generator_;
  std::unique_ptr<codec::StreamingDecoder> decoder_;
  std::atomic<bool> cancelled_{false};
  bool started_ = false;
  bool done_ = false;
  bool generation_done_ = false;
  double started_at_ = 0;
  std::string prefix_key_;  // the reference prefix to share once the prefill has saved it
};

}  // namespace fishtts::pipeline
