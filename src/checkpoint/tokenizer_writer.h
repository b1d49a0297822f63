// Writes a tiktoken-format tokenizer (`base64(token) rank` lines) and special_tokens.json for generated
// checkpoints. Ranks: the 256 single bytes, then synthetic multi-byte tokens (printable-ASCII pairs first,
// then all byte pairs, then printable triples) until the requested count: deterministic, distinct, and
// enough for S1-mini's 151,643 ranks. They are not learned merges; a BPE over them is still well defined.
#pragma once

#include <cstdint>
#include <string>

namespace fishtts::checkpoint {

void write_tiktoken_file(const std::string& path, int64_t ranks);
// {token: id} in upstream order (spec 3.2): 15 control tokens then <|semantic:0..codebook_size-1|>, ids from `ranks`.
void write_special_tokens_file(const std::string& path, int64_t ranks, int64_t codebook_size);

}  // namespace fishtts::checkpoint
