// S1's decode loop (spec 2.7, 3.4): prefill, then one slow step + one fast pass per frame, until <|im_end|> or
// the budget. Stream-first: next() hands out one frame at a time, so audio can be decoded while generating.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "lm/lm_session.h"
#include "lm/logit_space.h"
#include "lm/repetition_history.h"
#include "lm/sampling.h"
#include "text/prompt.h"

namespace fishtts::lm {

struct GenerationParams {
  SamplingParams sampling;
  // Columns to generate, the dropped final one included (upstream's meaning). 0 = up to the end of the context.
  int max_new_tokens = 1024;
  std::uint64_t seed = 42;
  PenaltyHistory history = PenaltyHistory::kCorrected;
  // Benchmarks only: keep generating through <|im_end|> so every run produces the same number of frames.
  bool ignore_stop = false;

  void validate() const;
};

struct GeneratorLayout {
  int num_codebooks = 0;           // codes per frame (10 for S1)
  int residual_codebook_size = 0;  // entries of codebooks 1.. (1024 for S1): the fast logits sampled from
  int max_seq_len = 0;             // context length (8192 for S1)
  SlowLogitSpace slow;
};

class FrameGenerator {
 public:
  // Validates params and prompt shape; the prompt's first generation happens on the first next().
  // `cancel_flag` (optional) lets an owner cancel without touching this object from another thread.
  FrameGenerator(LmSession& session, const GeneratorLayout& layout, const text::IntMatrix& prompt,
                 const GenerationParams& params, const std::atomic<bool>* cancel_flag = nullptr);

  // Writes the next frame's codes (num_codebooks values) and returns true, or returns false once generation
  // has ended. Throws fishtts::Error(kCancelled) after cancel().
  bool next(std::vector<int32_t>& frame);
  // Before the first next(): start from a saved KV prefix of this prompt (its first prefix->positions columns),
  // prefilling only the rest; or save the first `positions` positions after the prefill, for later requests.
  void use_prefix(std::shared_ptr<const KvPrefix> prefix) { prefix_ = std::move(prefix); }
  void save_prefix_after_prefill(int positions) { save_positions_ = positions; }
  const std::shared_ptr<const KvPrefix>& saved_prefix() const { return saved_; }

  // May be called from another thread; the loop stops before its next model call.
  void cancel() { cancelled_ = true; }

  bool stopped_on_im_end() const { return stopped_on_im_end_; }
  // Columns generated: max_new_tokens, or the context end (spec 3.4).
  int budget() const { return budget_; }
  // Every generated column [token, c0, ..], the dropped final one included (for parity checks).
  const std::vector<std::vector<int32_t>>& columns() const { return columns_; }

 private:
  std::vector<int32_t> sample_column(const SlowResult& slow, bool penalise);
  void check_cancelled() const;

  LmSession& session_;
  GeneratorLayout layout_;
  text::IntMatrix prompt_;
  GenerationParams params_;
  Sampler sampler_;
  RepetitionHistory history_;
  int budget_ = 0;
  bool started_ = false;
  bool finished_ = false;
  bool stopped_on_im_end_ = false;
  std::vector<std::vector<int32_t>> columns_;
  std::vector<float> scratch_;
  std::atomic<bool> cancelled_{false};
  const std::atomic<bool>* external_cancel_ = nullptr;
  std::shared_ptr<const KvPrefix> prefix_;
  std::shared_ptr<const KvPrefix> saved_;
  int save_positions_ = 0;
};

}  // namespace fishtts::lm
