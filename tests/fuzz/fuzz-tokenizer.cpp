// Fuzzes Tokenizer::encode on arbitrary bytes with a tokenizer built in code (merges with ties, specials
// with and without "<|"). Checks: only invalid UTF-8 is refused, and as kInvalidArgument; every id is in
// range; decoding the ids gives back the input bytes exactly; the scan and heap merges agree on the input.
// The same bytes also go through the tiktoken-file parser, which must either load or throw fishtts::Error.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "text/byte_pair_merge.h"
#include "text/tokenizer.h"

namespace {

using fishtts::Error;
using fishtts::ErrorCode;
using fishtts::text::RankTable;
using fishtts::text::Tokenizer;

const Tokenizer& fuzz_tokenizer() {
  static const Tokenizer tokenizer = [] {
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b) tokens.emplace_back(1, static_cast<char>(b));
    for (const char* merge : {"th", "he", "the", " t", " the", "in", "ing", "aa", "ab", "ba", "aaa", "abab", "er",
                              "\xc3\xa9", "\xe4\xbd\xa0", "\xe4\xbd\xa0\xe5\xa5\xbd", "\r\n", "  ", "'s", "12"})
      tokens.emplace_back(merge);
    return Tokenizer(RankTable::from_tokens(std::move(tokens), "<fuzz>"),
                     R"({"<|im_end|>": 0, "<|semantic:0|>": 0, "<|semantic:1|>": 0, "[S]": 0, "<|a|>": 0})",
                     "<fuzz>");
  }();
  return tokenizer;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Tokenizer& tokenizer = fuzz_tokenizer();
  try {
    const std::vector<int32_t> ids = tokenizer.encode(text);
    for (int32_t id : ids) check(id >= 0 && static_cast<std::size_t>(id) < tokenizer.size());
    check(tokenizer.decode(ids) == text);
  } catch (const Error& e) {
    check(e.code() == ErrorCode::kInvalidArgument);
  }
  if (!text.empty() && text.size() <= 4096)
    check(fishtts::text::merge_by_scan(text, tokenizer.ranks()) == fishtts::text::merge_by_heap(text, tokenizer.ranks()));
  try {
    RankTable::parse(text, "<fuzz input>");
  } catch (const Error&) {
  }
  return 0;
}
