// tiktoken's byte-level BPE for one pre-tokenized piece (spec 4.3).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "text/rank_table.h"

namespace fishtts::text {

// Appends the ids of `piece` to `out`: the piece's own rank if it is a token, else the result of merging
// single bytes by repeatedly joining the adjacent pair whose concatenation has the lowest rank (leftmost on
// ties) until no adjacent pair is a token. Throws kBadFormat if a remaining part has no rank (a rank table
// without all 256 single bytes).
void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<int32_t>& out);

// The two implementations behind byte_pair_encode, exposed so tests and the fuzzer can check they agree.
// Both return the part boundaries (byte offsets, first 0, last piece.size()). The scan follows tiktoken's
// loop literally and is fastest for short pieces; the heap picks the same (lowest rank, leftmost) pair in
// O(n log n), so one long word cannot make encoding quadratic.
std::vector<std::size_t> merge_by_scan(std::string_view piece, const RankTable& ranks);
std::vector<std::size_t> merge_by_heap(std::string_view piece, const RankTable& ranks);

// Pieces at least this long use merge_by_heap.
inline constexpr std::size_t kHeapMergeMinBytes = 128;

}  // namespace fishtts::text
