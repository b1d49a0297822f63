// One request: text (+ references) -> a stream of audio chunks, pulled one at a time (start / next / cancel).
// Frames are decoded as they are generated (the codec's streaming decoder carries its causal state), so the
// chunks concatenated equal the whole-utterance decode, and audio can play before generation ends.
// Long text (issue 11) is split into text chunks generated one after another, each prompted with the reference
// voices (their KV prefix prefilled once) and the previous chunks as context; all frames go through one decoder,
// so there is no seam between chunks, and a chunk's audio is out before the next chunk starts generating.
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
#include "pipeline/chunk_context.h"
#include "pipeline/engine.h"
#include "pipeline/metrics.h"
#include "pipeline/rolling_decoder.h"
#include "text/text_splitter.h"

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
  // Long-form: split the text into chunks of at most this many characters (text::kMinChunkLength ..
  // kMaxChunkLength), generated in turn; 0 = S1's single pass over the whole text (its prompt limit applies).
  // max_new_tokens and the seed apply per chunk (chunk i samples with seed + i).
  std::size_t chunk_length = text::kDefaultChunkLength;
  // Earlier chunks (text + codes, whole chunks, most recent first) each chunk gets as context: at most
  // context_chunks of them within context_positions. Context is paid twice: its prefill (~3 ms per position on
  // S1-mini int4) and attention over it in every frame (~18 us per position and frame), so one chunk of default
  // length (~50 text tokens + ~13 s of frames, ~330 positions) is the default.
  std::size_t context_positions = 512;
  std::size_t context_chunks = 1;
};

struct AudioChunk {
  std::vector<float> samples;
  bool is_last = false;
  int text_chunk = 0;  // index of the text chunk these samples came from
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
  // The text chunks, known after the first next().
  const std::vector<std::string>& text_chunks() const { return chunks_; }

 private:
  void start();
  void begin_text_chunk();
  void end_text_chunk();
  void keep_saved_prefix();  // adopt (and share) the reference KV the first chunk's prefill saved
  text::IntMatrix build_chunk_prompt(const std::string& text, std::size_t* context_columns);

  std::shared_ptr<const Engine> engine_;
  SynthesisRequest request_;
  SynthesisMetrics metrics_;
  std::vector<text::PromptReference> references_;
  std::vector<std::string> chunks_;
  std::size_t chunk_index_ = 0;
  bool chunk_open_ = false;  // the current text chunk's generator has frames left
  std::vector<std::vector<int32_t>> chunk_frames_;  // frames of the current text chunk (its context later)
  ChunkContext context_;
  std::unique_ptr<lm::LmSession> session_;
  std::unique_ptr<lm::FrameGenerator> generator_;
  std::unique_ptr<RollingDecoder> decoder_;
  std::atomic<bool> cancelled_{false};
  bool started_ = false;
  bool done_ = false;
  double started_at_ = 0;
  double chunk_started_at_ = 0;
  std::size_t prefix_columns_ = 0;  // prompt columns that depend on the references only
  std::string prefix_key_;          // their hash: the engine's prefix cache key
  std::shared_ptr<const lm::KvPrefix> prefix_;  // their KV, once prefilled (reused by every chunk)
};

}  // namespace fishtts::pipeline
