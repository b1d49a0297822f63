// The S1 "interleave" prompt (spec 3.1): a [num_codebooks + 1, T] matrix whose row 0 holds token ids and
// rows 1..num_codebooks hold codes (zero on text positions).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace fishtts::text {

// A row-major int32 matrix.
struct IntMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<int32_t> values;  // rows * cols

  int32_t at(std::size_t row, std::size_t col) const { return values[row * cols + col]; }
  int32_t& at(std::size_t row, std::size_t col) { return values[row * cols + col]; }

  // Columns [first, first + count) as a matrix of their own.
  IntMatrix columns(std::size_t first, std::size_t count) const {
    IntMatrix m{rows, count, {}};
    m.values.reserve(rows * count);
    for (std::size_t r = 0; r < rows; ++r) {
      m.values.insert(m.values.end(), values.begin() + static_cast<std::ptrdiff_t>(r * cols + first),
                      values.begin() + static_cast<std::ptrdiff_t>(r * cols + first + count));
    }
    return m;
  }
};

// One reference: its transcript and its codes [num_codebooks, frames] (row 0 semantic, rows 1.. residual).
struct PromptReference {
  std::string text;
  IntMatrix codes;
};

struct PromptOptions {
  std::size_t num_codebooks = 0;  // from the model config
  std::size_t max_seq_len = 0;    // from the model config; prompts may use max_seq_len - kGenerationReserve
};

// Upstream keeps this many positions free for generation.
inline constexpr std::size_t kGenerationReserve = 2048;

// <|interleave|>, then per reference "<|speaker:0|>" text, its frames, <|im_end|>; then "<|speaker:0|>" target
// text. Each text piece is encoded on its own. Throws kInvalidArgument for codes of the wrong shape or with a
// semantic code outside the tokenizer's semantic range, kOutOfRange when the prompt is longer than the limit.
// `reference_prefix` (optional) receives the number of leading columns that depend on the references only
// (<|interleave|> and every reference segment): requests with the same references share that prefix.
IntMatrix build_prompt(const Tokenizer& tokenizer, const std::string& text, std::span<const PromptReference> references,
                       const PromptOptions& options, std::size_t* reference_prefix = nullptr);

// The prompt columns one reference segment takes ("<|speaker:0|>", its text, its frames, <|im_end|>).
std::size_t reference_columns(const Tokenizer& tokenizer, const PromptReference& reference);

}  // namespace fishtts::text
