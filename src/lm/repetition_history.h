// The repetition-penalty windows of S1's decode loop (spec 3.6).
//
// Upstream keeps a zero-filled [rows, max_seq_len] buffer of decode-loop columns and, at step i, looks at the
// columns [0, 16) when i < 16 (so not-yet-written zeros penalise code 0 early) and [i-16, i) after that. Codebook
// k is penalised with its own row. The slow token is penalised with window *column* 0 (the oldest column's token
// id and its ten codes read as token ids) instead of row 0: a bug from upstream commit 83afe68.
//
// kCorrected (the default) fixes that bug: the slow token is penalised with window row 0, the token ids of the
// window's columns, as upstream did before 83afe68 (S1-rel); the windows are otherwise upstream's (16 wide,
// zeros before they fill). kUpstream reproduces the bug too, for parity with upstream's codes at strong
// penalties (the fixture's gen_rp15); at the default 1.1 the two agree on the fixture.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace fishtts::lm {

enum class PenaltyHistory { kUpstream, kCorrected };

const char* penalty_history_name(PenaltyHistory mode);
PenaltyHistory parse_penalty_history(const char* name);  // "upstream" | "corrected"

class RepetitionHistory {
 public:
  static constexpr int kWindow = 16;  // upstream's hard-coded window

  RepetitionHistory(int rows, PenaltyHistory mode) : rows_(rows), mode_(mode) {}

  // Stores one decode-loop column (rows values: token id, then the codes).
  void push(std::span<const int32_t> column);

  // Token ids whose slow logits are penalised at the current step.
  std::vector<int32_t> slow_tokens() const;
  // Codes penalised for codebook k (1-based residual codebook index, uses row k + 1).
  std::vector<int32_t> codebook_codes(int k) const;

 private:
  std::vector<int32_t> window_row(std::size_t row) const;

  int rows_;
  PenaltyHistory mode_;
  long pushed_ = 0;
  std::deque<std::vector<int32_t>> recent_;  // the last kWindow columns, oldest first
};

}  // namespace fishtts::lm
