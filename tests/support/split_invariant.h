// The text splitter's invariant, checked independently of its implementation (its own White_Space table), for
// test-text-splitter and fuzz-text-splitter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text/text_splitter.h"
#include "text/utf8.h"

namespace fishtts::test {

// Unicode White_Space (PropList.txt) or a control character (C0, DEL, C1).
inline bool is_space_or_control(char32_t c) {
  return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

inline std::u32string code_points(std::string_view utf8) {
  std::u32string out;
  text::append_code_points(utf8, out);
  return out;
}

inline std::u32string without_whitespace(std::string_view utf8) {
  std::u32string out;
  for (const char32_t c : code_points(utf8))
    if (!is_space_or_control(c)) out.push_back(c);
  return out;
}

// Empty if `chunks` is a valid split of `text` (valid UTF-8) under `options`, else what is wrong. Every chunk is
// non-empty, trimmed, holds no whitespace but single U+0020 and no control character, and has at most
// chunk_length code points unless it is exactly one protected string; the chunks with whitespace removed
// concatenate to the text with whitespace removed.
inline std::string split_invariant_violation(std::string_view text, const std::vector<std::string>& chunks,
                                             const text::SplitOptions& options) {
  std::u32string joined;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const std::string where = "chunk " + std::to_string(i) + " \"" + chunks[i] + "\": ";
    const std::u32string cps = code_points(chunks[i]);
    if (cps.empty()) return where + "empty";
    if (cps.front() == U' ' || cps.back() == U' ') return where + "not trimmed";
    for (std::size_t k = 0; k < cps.size(); ++k) {
      if (cps[k] != U' ' && is_space_or_control(cps[k])) return where + "holds whitespace other than U+0020";
      if (k > 0 && cps[k] == U' ' && cps[k - 1] == U' ') return where + "holds a run of spaces";
    }
    bool lone_protected = false;
    for (const auto& p : options.protected_strings) lone_protected = lone_protected || chunks[i] == p;
    if (cps.size() > options.chunk_length && !lone_protected)
      return where + std::to_string(cps.size()) + " code points, above " + std::to_string(options.chunk_length);
    joined += without_whitespace(chunks[i]);
  }
  if (joined != without_whitespace(text)) return "the chunks do not add up to the text (lost or reordered)";
  return "";
}

}  // namespace fishtts::test
