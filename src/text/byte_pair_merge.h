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

}  // namespace fishtts::text
