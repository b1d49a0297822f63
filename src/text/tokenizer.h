// The S1 text tokenizer: tiktoken-format BPE + special tokens + S1's pre-tokenization regex, id-exact with
// upstream's FishTokenizer.encode(text) (all special strings allowed).
//
// Invalid UTF-8 in the input is an error (kInvalidArgument naming the byte offset); upstream only ever sees
// Python strings, so there is no upstream behaviour to reproduce and silently replacing bytes would hide bugs.
// A Tokenizer is immutable after loading; encode() may be called from several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/pretokenizer.h"
#include "text/rank_table.h"
#include "text/special_tokens.h"

namespace fishtts::text {

// Upstream encodes text in slices of this many characters (code points); BPE never merges across slices.
inline constexpr std::size_t kMaxEncodeChars = 400'000;

class Tokenizer {
 public:
  Tokenizer(RankTable ranks, std::string_view special_tokens_json, const std::string& special_tokens_source);

  // DIR/tokenizer.tiktoken + DIR/special_tokens.json.
  static Tokenizer from_model_dir(const std::filesystem::path& dir);

  std::vector<int32_t> encode(std::string_view text) const;
  // Bytes of each id concatenated (special ids give their string). Throws kOutOfRange on an unknown id.
  std::string decode(std::span<const int32_t> ids) const;

  // Id of a special token by name; throws kNotFound if the tokenizer has no such special token.
  int32_t special_id(std::string_view token) const;
  const SpecialTokens& specials() const { return specials_; }
  const RankTable& ranks() const { return ranks_; }

  int32_t im_end_id() const { return special_id("<|im_end|>"); }
  // <|semantic:0|> .. <|semantic:N-1|>, looked up by name and required to be consecutive ids.
  int32_t semantic_begin_id() const;
  int32_t semantic_end_id() const;  // id of the highest semantic token (inclusive)
  int32_t semantic_count() const { return semantic_end_id() - semantic_begin_id() + 1; }

  // Number of ids: ranks + special tokens.
  std::size_t size() const { return ranks_.size() + specials_.tokens().size(); }

 private:
  void encode_slice(std::string_view slice, PreTokenizer::Scratch& scratch, std::vector<int32_t>& out) const;

  RankTable ranks_;
  SpecialTokens specials_;
  PreTokenizer pre_;
  int32_t semantic_begin_ = -1;
  int32_t semantic_count_ = 0;
};

}  // namespace fishtts::text
