// Fuzzes text::split_text: the first byte picks chunk_length (100..300), the rest is the text. Checks: only
// invalid UTF-8 is refused, and as kInvalidArgument; whatever is accepted splits into chunks that keep the
// invariant (non-empty, trimmed, at most chunk_length code points unless a lone protected string, nothing lost
// or reordered). Protected strings include a dotted one, one with a space and one longer than any chunk.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../support/split_invariant.h"
#include "common/error.h"
#include "text/text_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fishtts::text::SplitOptions;
  static const std::vector<std::string> kProtected = {"<|speaker:0|>", "<|im_end|>", "<|a.b|>", "<| x |>",
                                                      "<|" + std::string(310, 'z') + "|>"};
  if (size == 0) return 0;
  SplitOptions options;
  options.chunk_length = fishtts::text::kMinChunkLength + data[0] % 201;
  options.protected_strings = kProtected;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> chunks;
  try {
    chunks = fishtts::text::split_text(text, options);
  } catch (const fishtts::Error& e) {
    if (e.code() != fishtts::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (!fishtts::test::split_invariant_violation(text, chunks, options).empty()) std::abort();
  return 0;
}
