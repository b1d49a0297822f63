#include "text/byte_pair_merge.h"

#include <limits>

#include "common/error.h"

namespace fishtts::text {
namespace {

constexpr int64_t kNoRank = std::numeric_limits<int64_t>::max();

struct Part {
  std::size_t start;  // byte offset of the part in the piece
  int64_t pair_rank;  // rank of this part joined with the next one, kNoRank if not a token
};

// Same procedure as tiktoken 0.11 `_byte_pair_merge`: a boundary list with the rank of the pair that starts
// at each boundary, updated around every merge; a linear scan picks the minimum (first one on ties).
std::vector<Part> merge_boundaries(std::string_view piece, const RankTable& ranks) {
  const auto rank_or_none = [&](std::size_t begin, std::size_t end) -> int64_t {
    int32_t rank = ranks.rank_of(piece.substr(begin, end - begin));
    return rank < 0 ? kNoRank : rank;
  };
  std::vector<Part> parts;
  parts.reserve(piece.size() + 1);
  for (std::size_t i = 0; i + 1 < piece.size(); ++i) parts.push_back({i, rank_or_none(i, i + 2)});
  parts.push_back({piece.size() - 1, kNoRank});
  parts.push_back({piece.size(), kNoRank});

  // Rank of the part at i joined with its successor, given that i+1 is about to be removed.
  const auto rank_after_merge = [&](std::size_t i) -> int64_t {
    return i + 3 < parts.size() ? rank_or_none(parts[i].start, parts[i + 3].start) : kNoRank;
  };
  while (true) {
    std::size_t best = 0;
    int64_t best_rank = kNoRank;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i].pair_rank < best_rank) {
        best_rank = parts[i].pair_rank;
        best = i;
      }
    }
    if (best_rank == kNoRank) break;
    if (best > 0) parts[best - 1].pair_rank = rank_after_merge(best - 1);
    parts[best].pair_rank = rank_after_merge(best);
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  return parts;
}

}  // namespace

void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<int32_t>& out) {
  if (piece.empty()) return;
  if (int32_t whole = ranks.rank_of(piece); whole >= 0) {
    out.push_back(whole);
    return;
  }
  const std::vector<Part> parts = merge_boundaries(piece, ranks);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    std::string_view bytes = piece.substr(parts[i].start, parts[i + 1].start - parts[i].start);
    int32_t rank = ranks.rank_of(bytes);
    if (rank < 0)
      throw Error(ErrorCode::kBadFormat, "tokenizer ranks have no token for the byte 0x" +
                                             std::string(1, "0123456789abcdef"[static_cast<uint8_t>(bytes[0]) >> 4]) +
                                             std::string(1, "0123456789abcdef"[static_cast<uint8_t>(bytes[0]) & 15]) +
                                             " (a tiktoken file must list all 256 single bytes)");
    out.push_back(rank);
  }
}

}  // namespace fishtts::text
