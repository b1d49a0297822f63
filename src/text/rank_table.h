// The mergeable ranks of a tiktoken-format BPE: token bytes -> rank, where the rank is also the token id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fishtts::text {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class RankTable {
 public:
  // Parses `tokenizer.tiktoken` text: one "<base64 token> <rank>" per line; empty lines and the token "="
  // are skipped, as upstream's loader does. Ranks must be unique and exactly 0..N-1 (special-token ids are
  // numbered from N, so a gap or duplicate would make ids ambiguous). `source` names the file in errors.
  static RankTable parse(std::string_view content, const std::string& source);
  static RankTable load(const std::filesystem::path& path);
  // Token bytes listed by rank (rank = index). Throws kBadFormat if two ranks have the same bytes.
  static RankTable from_tokens(std::vector<std::string> tokens, const std::string& source);

  // Rank of a byte string, or -1 when it is not a token.
  int32_t rank_of(std::string_view bytes) const {
    auto it = ranks_.find(bytes);
    return it == ranks_.end() ? -1 : it->second;
  }
  // Bytes of the token with rank `rank` (0 <= rank < size()).
  const std::string& bytes_of(int32_t rank) const { return tokens_[static_cast<std::size_t>(rank)]; }
  std::size_t size() const { return tokens_.size(); }

 private:
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> ranks_;
  std::vector<std::string> tokens_;  // indexed by rank
};

}  // namespace fishtts::text
