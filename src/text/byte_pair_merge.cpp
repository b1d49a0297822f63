#include "text/byte_pair_merge.h"

#include <limits>
#include <queue>

#include "common/error.h"

namespace fishtts::text {
namespace {

constexpr int64_t kNoRank = std::numeric_limits<int64_t>::max();

int64_t rank_or_none(std::string_view piece, std::size_t begin, std::size_t end, const RankTable& ranks) {
  int32_t rank = ranks.rank_of(piece.substr(begin, end - begin));
  return rank < 0 ? kNoRank : rank;
}

std::string hex_byte(char c) {
  static const char* digits = "0123456789abcdef";
  const auto b = static_cast<uint8_t>(c);
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

}  // namespace

// Same procedure as tiktoken 0.11 `_byte_pair_merge`: a boundary list with the rank of the pair that starts
// at each boundary, updated around every merge; a linear scan picks the minimum (first one on ties).
std::vector<std::size_t> merge_by_scan(std::string_view piece, const RankTable& ranks) {
  struct Part {
    std::size_t start;
    int64_t pair_rank;  // rank of this part joined with the next one
  };
  std::vector<Part> parts;
  parts.reserve(piece.size() + 1);
  for (std::size_t i = 0; i + 1 < piece.size(); ++i) parts.push_back({i, rank_or_none(piece, i, i + 2, ranks)});
  parts.push_back({piece.size() - 1, kNoRank});
  parts.push_back({piece.size(), kNoRank});

  // Rank of the part at i joined with its successor, given that part i+1 is about to be removed.
  const auto rank_after_merge = [&](std::size_t i) -> int64_t {
    return i + 3 < parts.size() ? rank_or_none(piece, parts[i].start, parts[i + 3].start, ranks) : kNoRank;
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
  std::vector<std::size_t> bounds;
  bounds.reserve(parts.size());
  for (const Part& p : parts) bounds.push_back(p.start);
  return bounds;
}

// Parts as a linked list over byte offsets; candidate merges in a min-heap keyed by (rank, start offset).
// Start offsets increase along the list, so the heap's minimum is the scan's "lowest rank, first in list".
// Entries made stale by a neighbouring merge are recognised by re-checking the current rank when popped.
std::vector<std::size_t> merge_by_heap(std::string_view piece, const RankTable& ranks) {
  const std::size_t n = piece.size();
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> next(n), prev(n);  // indexed by part start offset; next of the last part is n
  std::vector<int64_t> pair_rank(n, kNoRank);  // rank of part joined with its successor
  std::vector<bool> alive(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? kNone : i - 1;
  }
  using Entry = std::pair<int64_t, std::size_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    pair_rank[i] = rank_or_none(piece, i, i + 2, ranks);
    if (pair_rank[i] != kNoRank) heap.emplace(pair_rank[i], i);
  }
  const auto refresh = [&](std::size_t start) {
    const std::size_t second = next[start];
    pair_rank[start] = second < n ? rank_or_none(piece, start, next[second], ranks) : kNoRank;
    if (pair_rank[start] != kNoRank) heap.emplace(pair_rank[start], start);
  };
  while (!heap.empty()) {
    auto [rank, start] = heap.top();
    heap.pop();
    if (!alive[start] || pair_rank[start] != rank) continue;  // stale entry
    const std::size_t removed = next[start];
    alive[removed] = false;
    next[start] = next[removed];
    if (next[start] < n) prev[next[start]] = start;
    refresh(start);
    if (prev[start] != kNone) refresh(prev[start]);
  }
  std::vector<std::size_t> bounds;
  for (std::size_t i = 0; i < n; i = next[i]) bounds.push_back(i);
  bounds.push_back(n);
  return bounds;
}

void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<int32_t>& out) {
  if (piece.empty()) return;
  if (int32_t whole = ranks.rank_of(piece); whole >= 0) {
    out.push_back(whole);
    return;
  }
  const std::vector<std::size_t> bounds =
      piece.size() >= kHeapMergeMinBytes ? merge_by_heap(piece, ranks) : merge_by_scan(piece, ranks);
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    std::string_view bytes = piece.substr(bounds[i], bounds[i + 1] - bounds[i]);
    int32_t rank = ranks.rank_of(bytes);
    if (rank < 0)
      throw Error(ErrorCode::kBadFormat, "tokenizer ranks have no token for the byte " + hex_byte(bytes[0]) +
                                             " (a tiktoken file must list all 256 single bytes)");
    out.push_back(rank);
  }
}

}  // namespace fishtts::text
