// The splitter's view of a text: code points with control characters and whitespace normalised.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fishtts::text {

struct NormalizedText {
  // Every run of Unicode White_Space and control characters (C0, DEL, C1) is one U+0020; no space at either end.
  std::u32string chars;
  // Indices (ascending) of the spaces in `chars` that replaced a blank line: a run holding two or more line
  // breaks (LF, CR, CRLF, U+2028) or a U+2029 PARAGRAPH SEPARATOR.
  std::vector<std::size_t> paragraph_breaks;
};

// Throws Error(kInvalidArgument) naming the byte offset of the first invalid UTF-8 sequence.
NormalizedText normalize_text(std::string_view text);

}  // namespace fishtts::text
