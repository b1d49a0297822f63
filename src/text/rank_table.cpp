#include "text/rank_table.h"

#include <openssl/evp.h>

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/error.h"

namespace fishtts::text {
namespace {

// OpenSSL decodes whole 4-character groups and counts '=' padding as zero bytes; drop those again.
bool decode_base64(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  out.resize(text.size() / 4 * 3);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return true;
}

std::string_view trim_line_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line;
}

}  // namespace

RankTable RankTable::parse(std::string_view content, const std::string& source) {
  std::vector<std::pair<std::string, int64_t>> entries;
  std::size_t line_number = 0;
  while (!content.empty()) {
    ++line_number;
    std::size_t end = content.find('\n');
    std::string_view line = trim_line_end(content.substr(0, end));
    content.remove_prefix(end == std::string_view::npos ? content.size() : end + 1);
    if (line.empty()) continue;
    const auto where = [&] { return source + " line " + std::to_string(line_number); };
    std::size_t space = line.find_first_of(" \t");
    std::string_view token = line.substr(0, space);
    std::string_view rank_text = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    while (!rank_text.empty() && (rank_text.front() == ' ' || rank_text.front() == '\t')) rank_text.remove_prefix(1);
    if (rank_text.empty() || rank_text.find_first_of(" \t") != std::string_view::npos)
      throw Error(ErrorCode::kBadFormat, where() + ": expected '<base64 token> <rank>'");
    if (token == "=") continue;
    int64_t rank = 0;
    auto [ptr, ec] = std::from_chars(rank_text.data(), rank_text.data() + rank_text.size(), rank);
    if (ec != std::errc() || ptr != rank_text.data() + rank_text.size() || rank < 0 ||
        rank > std::numeric_limits<int32_t>::max())
      throw Error(ErrorCode::kBadFormat,
                  where() + ": rank '" + std::string(rank_text) + "' is not an integer in [0, 2^31)");
    std::string bytes;
    if (!decode_base64(token, bytes))
      throw Error(ErrorCode::kBadFormat, where() + ": token '" + std::string(token) + "' is not valid base64");
    entries.emplace_back(std::move(bytes), rank);
  }

  std::vector<std::string> tokens(entries.size());
  std::vector<bool> seen(entries.size(), false);
  for (auto& [bytes, rank] : entries) {
    if (static_cast<std::size_t>(rank) >= entries.size())
      throw Error(ErrorCode::kBadFormat, source + ": rank " + std::to_string(rank) + " is outside 0.." +
                                             std::to_string(entries.size() - 1) + " (ranks must be dense)");
    if (seen[static_cast<std::size_t>(rank)])
      throw Error(ErrorCode::kBadFormat, source + ": rank " + std::to_string(rank) + " appears twice");
    seen[static_cast<std::size_t>(rank)] = true;
    tokens[static_cast<std::size_t>(rank)] = std::move(bytes);
  }
  return from_tokens(std::move(tokens), source);
}

RankTable RankTable::from_tokens(std::vector<std::string> tokens, const std::string& source) {
  if (tokens.empty()) throw Error(ErrorCode::kBadFormat, source + ": no ranks");
  if (tokens.size() > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    throw Error(ErrorCode::kOutOfRange, source + ": too many ranks");
  RankTable table;
  table.ranks_.reserve(tokens.size());
  for (std::size_t rank = 0; rank < tokens.size(); ++rank) {
    auto [it, inserted] = table.ranks_.emplace(tokens[rank], static_cast<int32_t>(rank));
    if (!inserted)
      throw Error(ErrorCode::kBadFormat, source + ": ranks " + std::to_string(it->second) + " and " +
                                             std::to_string(rank) + " have the same token bytes");
  }
  table.tokens_ = std::move(tokens);
  return table;
}

RankTable RankTable::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "tokenizer ranks: cannot open " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return parse(content.str(), path.string());
}

}  // namespace fishtts::text
