#include "pipeline/text_chunks.h"

#include "common/error.h"
#include "text/text_splitter.h"

namespace fishtts::pipeline {

std::vector<std::string> request_text_chunks(const std::string& text, std::size_t chunk_length,
                                             const text::Tokenizer& tokenizer) {
  if (chunk_length == 0) return {text};
  text::SplitOptions options;
  options.chunk_length = chunk_length;
  options.protected_strings = tokenizer.specials().tokens();
  options.paragraph_ends_chunk = true;
  // The first chunk is prefilled before the first audio: keep it short so time to first audio does not depend on
  // the chunk length (the next chunk is generated while the first one plays).
  options.first_chunk_length = text::kMinChunkLength;  // a heading or a paragraph's end is not spoken in one breath with the next
  std::vector<std::string> chunks = text::split_text(text, options);
  if (chunks.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "nothing to say: the text is empty once whitespace and control "
                                             "characters are removed");
  }
  return chunks;
}

}  // namespace fishtts::pipeline
