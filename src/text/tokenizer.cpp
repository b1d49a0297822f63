#include "text/tokenizer.h"

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "text/byte_pair_merge.h"

namespace fishtts::text {
namespace {

std::string semantic_token(int32_t index) { return "<|semantic:" + std::to_string(index) + "|>"; }

// Byte length of the first `max_chars` code points of valid UTF-8 `text` (all of it if shorter).
std::size_t prefix_bytes(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<uint8_t>(text[i]) & 0xC0) != 0x80 && chars++ == max_chars) return i;
  }
  return text.size();
}

}  // namespace

Tokenizer::Tokenizer(RankTable ranks, std::string_view special_tokens_json, const std::string& special_tokens_source)
    : ranks_(std::move(ranks)),
      specials_(SpecialTokens::parse(special_tokens_json, static_cast<int32_t>(ranks_.size()), special_tokens_source)) {
  if (auto begin = specials_.id_of(semantic_token(0))) {
    semantic_begin_ = *begin;
    while (true) {
      auto next = specials_.id_of(semantic_token(semantic_count_));
      if (!next) break;
      if (*next != semantic_begin_ + semantic_count_)
        throw Error(ErrorCode::kBadFormat, special_tokens_source + ": " + semantic_token(semantic_count_) +
                                               " has id " + std::to_string(*next) + ", expected " +
                                               std::to_string(semantic_begin_ + semantic_count_) +
                                               " (semantic tokens must be consecutive)");
      ++semantic_count_;
    }
  }
}

Tokenizer Tokenizer::from_model_dir(const std::filesystem::path& dir) {
  const auto special_path = dir / "special_tokens.json";
  std::ifstream in(special_path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "tokenizer: cannot open " + special_path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return Tokenizer(RankTable::load(dir / "tokenizer.tiktoken"), content.str(), special_path.string());
}

int32_t Tokenizer::special_id(std::string_view token) const {
  if (auto id = specials_.id_of(token)) return *id;
  throw Error(ErrorCode::kNotFound, "tokenizer has no special token " + std::string(token));
}

int32_t Tokenizer::semantic_begin_id() const {
  if (semantic_begin_ < 0) throw Error(ErrorCode::kNotFound, "tokenizer has no special token <|semantic:0|>");
  return semantic_begin_;
}

int32_t Tokenizer::semantic_end_id() const { return semantic_begin_id() + semantic_count_ - 1; }

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3);
  PreTokenizer::Scratch scratch(pre_);
  pre_.check_utf8(text, scratch);
  while (!text.empty()) {
    const std::size_t slice = prefix_bytes(text, kMaxEncodeChars);
    encode_slice(text.substr(0, slice), scratch, ids);
    text.remove_prefix(slice);
  }
  return ids;
}

void Tokenizer::encode_slice(std::string_view slice, PreTokenizer::Scratch& scratch, std::vector<int32_t>& out) const {
  const auto encode_ordinary = [&](std::string_view span) {
    pre_.split(span, scratch, [&](std::string_view piece) { byte_pair_encode(piece, ranks_, out); });
  };
  std::size_t start = 0;
  while (auto special = specials_.find(slice, start)) {
    encode_ordinary(slice.substr(start, special->offset - start));
    out.push_back(special->id);
    start = special->offset + special->length;
  }
  encode_ordinary(slice.substr(start));
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  std::string text;
  for (int32_t id : ids) {
    if (id >= 0 && static_cast<std::size_t>(id) < ranks_.size()) {
      text += ranks_.bytes_of(id);
    } else if (id >= specials_.first_id() && static_cast<std::size_t>(id - specials_.first_id()) < specials_.tokens().size()) {
      text += specials_.tokens()[static_cast<std::size_t>(id - specials_.first_id())];
    } else {
      throw Error(ErrorCode::kOutOfRange, "token id " + std::to_string(id) + " is outside 0.." +
                                              std::to_string(size() - 1));
    }
  }
  return text;
}

}  // namespace fishtts::text
