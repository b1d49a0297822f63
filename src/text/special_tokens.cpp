#include "text/special_tokens.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace fishtts::text {

SpecialTokens SpecialTokens::parse(std::string_view json_text, int32_t first_id, const std::string& source) {
  // ordered_json keeps the keys in file order, which is what the ids follow.
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, source + ": not valid JSON: " + e.what());
  }
  if (!json.is_object()) throw Error(ErrorCode::kBadFormat, source + ": expected a JSON object {token: id}");
  if (json.size() > static_cast<std::size_t>(std::numeric_limits<int32_t>::max() - first_id))
    throw Error(ErrorCode::kOutOfRange, source + ": too many special tokens");

  SpecialTokens specials;
  specials.first_id_ = first_id;
  for (const auto& item : json.items()) {
    const std::string& token = item.key();
    if (token.empty()) throw Error(ErrorCode::kBadFormat, source + ": a special token is the empty string");
    const int32_t id = first_id + static_cast<int32_t>(specials.tokens_.size());
    specials.ids_.emplace(token, id);
    specials.tokens_.push_back(token);
    specials.first_bytes_.set(static_cast<uint8_t>(token[0]));
    if (std::find(specials.lengths_.begin(), specials.lengths_.end(), token.size()) == specials.lengths_.end())
      specials.lengths_.push_back(token.size());
  }
  std::sort(specials.lengths_.begin(), specials.lengths_.end(), std::greater<>());
  return specials;
}

SpecialTokens SpecialTokens::load(const std::filesystem::path& path, int32_t first_id) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "special tokens: cannot open " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return parse(content.str(), first_id, path.string());
}

std::optional<SpecialMatch> SpecialTokens::find(std::string_view text, std::size_t from) const {
  if (tokens_.empty()) return std::nullopt;
  for (std::size_t pos = from; pos < text.size(); ++pos) {
    if (!first_bytes_.test(static_cast<uint8_t>(text[pos]))) continue;
    for (std::size_t length : lengths_) {
      if (length > text.size() - pos) continue;
      auto it = ids_.find(text.substr(pos, length));
      if (it != ids_.end()) return SpecialMatch{pos, length, it->second};
    }
  }
  return std::nullopt;
}

std::optional<int32_t> SpecialTokens::id_of(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace fishtts::text
