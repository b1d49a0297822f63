#include "lm/repetition_history.h"

#include <string>

#include "common/error.h"

namespace fishtts::lm {

const char* penalty_history_name(PenaltyHistory mode) {
  return mode == PenaltyHistory::kUpstream ? "upstream" : "corrected";
}

PenaltyHistory parse_penalty_history(const char* name) {
  std::string n = name ? name : "";
  if (n == "upstream") return PenaltyHistory::kUpstream;
  if (n == "corrected") return PenaltyHistory::kCorrected;
  throw Error(ErrorCode::kInvalidArgument, "unknown penalty history '" + n + "' (expected upstream or corrected)");
}

void RepetitionHistory::push(std::span<const int32_t> column) {
  if (static_cast<int>(column.size()) != rows_) {
    throw Error(ErrorCode::kInternal, "history column has " + std::to_string(column.size()) + " rows, expected " +
                                          std::to_string(rows_));
  }
  recent_.emplace_back(column.begin(), column.end());
  if (static_cast<int>(recent_.size()) > kWindow) recent_.pop_front();
  ++pushed_;
}

std::vector<int32_t> RepetitionHistory::window_row(std::size_t row) const {
  std::vector<int32_t> values;
  for (const auto& col : recent_) values.push_back(col[row]);
  // The window is always 16 wide: early on it includes unwritten (zero) columns.
  values.resize(kWindow, 0);
  return values;
}

std::vector<int32_t> RepetitionHistory::slow_tokens() const {
  if (mode_ == PenaltyHistory::kCorrected) return window_row(0);
  // Window column 0: the oldest column of the window, all rows; zeros before anything was written.
  if (recent_.empty()) return std::vector<int32_t>(static_cast<std::size_t>(rows_), 0);
  return recent_.front();
}

std::vector<int32_t> RepetitionHistory::codebook_codes(int k) const { return window_row(static_cast<std::size_t>(k + 1)); }

}  // namespace fishtts::lm
