#include "lm/frame_generator.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace fishtts::lm {

void GenerationParams::validate() const {
  sampling.validate();
  if (max_new_tokens < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "max_new_tokens must be >= 0 (0 = up to the context end), got " + std::to_string(max_new_tokens));
  }
}

FrameGenerator::FrameGenerator(LmSession& session, const GeneratorLayout& layout, const text::IntMatrix& prompt,
                               const GenerationParams& params, const std::atomic<bool>* cancel_flag)
    : session_(session),
      layout_(layout),
      prompt_(prompt),
      params_(params),
      sampler_(params.sampling, params.seed),
      history_(layout.num_codebooks + 1, params.history),
      external_cancel_(cancel_flag) {
  params_.validate();
  if (prompt.rows != static_cast<std::size_t>(layout.num_codebooks + 1) || prompt.cols == 0) {
    throw Error(ErrorCode::kInvalidArgument, "prompt must be [" + std::to_string(layout.num_codebooks + 1) +
                                                 ", T>0], got [" + std::to_string(prompt.rows) + ", " +
                                                 std::to_string(prompt.cols) + "]");
  }
  const int t = static_cast<int>(prompt.cols);
  if (t >= layout.max_seq_len) {
    throw Error(ErrorCode::kOutOfRange, "prompt of " + std::to_string(t) + " positions leaves no room in the " +
                                            std::to_string(layout.max_seq_len) + "-position context");
  }
  // Spec 3.4: 0, or a budget running past the context, means "up to the context end".
  const int room = layout.max_seq_len - t;
  budget_ = (params.max_new_tokens == 0 || params.max_new_tokens > room) ? room : params.max_new_tokens;
}

void FrameGenerator::check_cancelled() const {
  if (cancelled_ || (external_cancel_ && *external_cancel_)) throw Error(ErrorCode::kCancelled, "generation cancelled");
}

std::vector<int32_t> FrameGenerator::sample_column(const SlowResult& slow, bool penalise) {
  const SlowLogitSpace& space = layout_.slow;
  if (static_cast<int32_t>(slow.logits.size()) != space.size()) {
    throw Error(ErrorCode::kInternal, "slow head returned " + std::to_string(slow.logits.size()) +
                                          " logits, expected " + std::to_string(space.size()));
  }
  std::vector<int32_t> column(static_cast<std::size_t>(layout_.num_codebooks + 1), 0);

  // Slow token. The penalty history holds token ids; map them to this head's logit indices.
  scratch_.assign(slow.logits.begin(), slow.logits.end());
  std::vector<int32_t> penalised;
  if (penalise) {
    for (int32_t token : history_.slow_tokens()) {
      if (int32_t idx = space.index_of(token); idx >= 0) penalised.push_back(idx);
    }
  }
  const int32_t token = space.token_of(sampler_.sample(scratch_, penalised));
  column[0] = token;
  // A non-semantic token (text, or padding rows above the semantic range, which crash upstream) is kept as a
  // frame with c0 = 0, upstream's rule for tokens below the range.
  const int32_t c0 = space.is_semantic(token) ? token - space.semantic_begin_id : 0;
  column[1] = c0;

  // The column that ends generation is dropped, so its residual codes are never needed.
  if (token == space.im_end_id && started_ && !params_.ignore_stop) return column;

  check_cancelled();
  std::span<const float> fast = session_.fast_begin(slow.hidden, c0);
  for (int k = 1; k < layout_.num_codebooks; ++k) {
    if (k > 1) {
      check_cancelled();
      fast = session_.fast_next(column[static_cast<std::size_t>(k)]);
    }
    if (static_cast<int>(fast.size()) < layout_.residual_codebook_size) {
      throw Error(ErrorCode::kInternal, "fast head returned " + std::to_string(fast.size()) +
                                            " logits, fewer than the codebook size " +
                                            std::to_string(layout_.residual_codebook_size));
    }
    scratch_.assign(fast.begin(), fast.begin() + layout_.residual_codebook_size);
    std::vector<int32_t> codes;
    if (penalise) codes = history_.codebook_codes(k);
    column[static_cast<std::size_t>(k + 1)] = sampler_.sample(scratch_, codes);
  }
  return column;
}

bool FrameGenerator::next(std::vector<int32_t>& frame) {
  if (finished_) return false;
  check_cancelled();

  if (!started_) {
    // The first column comes from the prefill and is never penalised nor checked for <|im_end|> (spec 2.7, 3.4).
    const SlowResult slow = prefix_ ? session_.prefill_after(*prefix_, prompt_) : session_.prefill(prompt_);
    if (!prefix_ && save_positions_ > 0) saved_ = session_.save_prefix(save_positions_);
    columns_.push_back(sample_column(slow, /*penalise=*/false));
    started_ = true;
  }

  // Each call emits the previous column once the next one exists: the final column is always dropped.
  if (static_cast<int>(columns_.size()) >= budget_) {
    finished_ = true;
    return false;
  }
  check_cancelled();
  SlowResult slow = session_.step(columns_.back());
  std::vector<int32_t> column = sample_column(slow, /*penalise=*/true);
  history_.push(column);
  columns_.push_back(column);
  if (column[0] == layout_.slow.im_end_id && !params_.ignore_stop) {
    stopped_on_im_end_ = true;
    finished_ = true;
  }

  const auto& emit = columns_[columns_.size() - 2];
  frame.assign(emit.begin() + 1, emit.end());
  return true;
}

}  // namespace fishtts::lm
