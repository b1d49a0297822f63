// The text pieces one request generates in turn (issue 11).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace fishtts::pipeline {

// chunk_length 0: the whole text, unchanged (S1's one pass). Otherwise text::split_text's chunks of at most
// chunk_length characters, never cutting one of the tokenizer's special strings; throws kInvalidArgument when
// nothing speakable is left (empty, whitespace or control characters only) or chunk_length is out of range.
std::vector<std::string> request_text_chunks(const std::string& text, std::size_t chunk_length,
                                             const text::Tokenizer& tokenizer);

}  // namespace fishtts::pipeline
