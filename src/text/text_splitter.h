// Splits long text into chunks of at most `chunk_length` characters for one-at-a-time synthesis (issue #11).
//
// What split_text does, in order:
// 1. Normalise. Control characters (C0 except tab/newline/CR, DEL, C1) become a space. Whitespace is any
//    Unicode White_Space character; inside a chunk every run of it becomes one ASCII space, and chunks are
//    trimmed. Empty or whitespace-only text gives an empty vector (the caller reports "nothing to say").
// 2. Sentences. A sentence ends after a run of terminal marks (. ! ? … 。！？, e.g. "?!" or "...") plus any
//    closing quotes/brackets that follow it (" ' ” ’ » ) ] } 」 』 ）), when the run is followed by whitespace,
//    by the end of text or (for the CJK marks) by anything. A blank line (paragraph break) also ends one.
//    Not a sentence end: a period between digits (3.14), a period after a common abbreviation (Mr. Dr. e.g.
//    U.S. etc., see kAbbreviations in text_splitter.cpp) or after a single capital letter ("J. Smith"), and an
//    ellipsis ("..." or "…") followed by a lowercase letter ("wait... then").
// 3. Packing. Consecutive sentences are packed greedily into one chunk while it stays <= chunk_length code
//    points (fewer, fuller chunks: fewer joins in the audio). A sentence longer than chunk_length is cut at the
//    last clause mark that fits (, ; : 、 ， ； ： —, never the comma of "1,000" nor the colon of "10:30"),
//    else at the last whitespace that fits, else hard-cut at a code-point boundary, avoiding to separate a
//    combining mark from its base character. CJK text without spaces falls through to the hard cut.
// 4. Protected strings (the tokenizer's special tokens such as "<|speaker:0|>") are never cut; one longer than
//    chunk_length becomes a chunk of its own, the only case where a chunk exceeds chunk_length.
//
// Invariant (tested, and fuzzed): every chunk is non-empty and <= chunk_length code points (except a lone
// over-long protected string), and the chunks concatenated with whitespace removed equal the normalised input
// with whitespace removed. Runs in linear time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fishtts::text {

inline constexpr std::size_t kDefaultChunkLength = 200, kMinChunkLength = 100, kMaxChunkLength = 300;

struct SplitOptions {
  std::size_t chunk_length = kDefaultChunkLength;  // target, in characters (Unicode code points)
  std::vector<std::string> protected_strings;       // never cut inside one (the tokenizer's special tokens)
};

// Splits `text` into chunks for one-at-a-time synthesis. Throws Error(kInvalidArgument) on invalid UTF-8 (naming
// the byte offset) or a chunk_length outside [kMinChunkLength, kMaxChunkLength].
std::vector<std::string> split_text(std::string_view text, const SplitOptions& options = {});

}  // namespace fishtts::text
