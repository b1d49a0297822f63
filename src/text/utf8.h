// UTF-8 <-> code points for text that is already known to be valid (PreTokenizer::check_utf8 checks it).
#pragma once

#include <string>
#include <string_view>

namespace fishtts::text {

// Appends the code points of valid UTF-8 `bytes` to `out`.
void append_code_points(std::string_view bytes, std::u32string& out);

// Characters as Python's len(): the bytes that do not continue a UTF-8 sequence.
std::size_t count_code_points(std::string_view bytes);

// Appends the UTF-8 encoding of `code_points` (each a Unicode scalar value) to `out`.
void append_utf8(std::u32string_view code_points, std::string& out);

}  // namespace fishtts::text
