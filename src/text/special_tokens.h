// Special tokens: strings recognised anywhere in the text and mapped to one id each.
#pragma once

#include <bitset>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/rank_table.h"

namespace fishtts::text {

struct SpecialMatch {
  std::size_t offset;  // byte offset in the searched text
  std::size_t length;  // bytes
  int32_t id;
};

class SpecialTokens {
 public:
  // Parses `special_tokens.json`: an object whose keys, in file order, get ids first_id, first_id + 1, ...
  // (upstream ignores the ids written in the file). `source` names the file in errors.
  static SpecialTokens parse(std::string_view json_text, int32_t first_id, const std::string& source);
  static SpecialTokens load(const std::filesystem::path& path, int32_t first_id);

  // Earliest occurrence of any special string at or after `from`; the longest one if several start there
  // (never the case for upstream's list, where none is a prefix of another).
  std::optional<SpecialMatch> find(std::string_view text, std::size_t from) const;

  std::optional<int32_t> id_of(std::string_view token) const;
  const std::vector<std::string>& tokens() const { return tokens_; }  // in id order
  int32_t first_id() const { return first_id_; }

 private:
  int32_t first_id_ = 0;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> ids_;
  std::bitset<256> first_bytes_;            // bytes a special string can start with
  std::vector<std::size_t> lengths_;        // distinct lengths, longest first
};

}  // namespace fishtts::text
