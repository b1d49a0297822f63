// Splits long text into chunks of at most `chunk_length` characters for one-at-a-time synthesis (issue #11).
//
// What split_text does, in order:
// 1. Normalise. Control characters (C0, DEL, C1) become a space. Whitespace is any Unicode White_Space
//    character; inside a chunk every run of it becomes one ASCII space, and chunks are trimmed. Empty or
//    whitespace-only text gives an empty vector (the caller reports "nothing to say").
// 2. Sentences. A sentence ends after a run of terminal marks (. ! ? … 。！？ and relatives, e.g. "?!" or
//    "...") plus the closing quotes/brackets right after it (" ' ” ’ » ) ] } 」 』 ） ...), when what follows is
//    whitespace, the end of the text or a protected string; after a CJK mark (。！？) anything may follow.
//    A blank line (paragraph break) also ends a sentence. Not a sentence end:
//    - a period inside a number or a name ("3.14", "1,000.50", "file.txt": no space follows);
//    - a period after an abbreviation: the table in sentence_rules.cpp (Mr. Mrs. Dr. Prof. St. vs. etc. ...;
//      No. Fig. Vol. only before a number), single letters joined by periods (e.g. i.e. U.S. a.m. p.m.), a
//      single capital letter other than "I" ("J. Smith");
//    - a run of . ! ? … followed by a word in lowercase (any script): "wait... then", “Stop!” he said.
// 3. Packing. Consecutive sentences are packed greedily into one chunk while it stays <= chunk_length code
//    points (fewer, fuller chunks: fewer joins in the audio); with paragraph_ends_chunk, never across a paragraph
//    break. Where no sentence end fits (a sentence longer than chunk_length), the chunk ends at the last clause
//    mark that fits and leaves at least a third of chunk_length (, ; : 、 ， ； ： —, the Latin ones only before
//    whitespace, never the comma of "1,000" nor the colon of "10:30"). Without one, the rest of the sentence is cut into pieces of about equal length
//    (not full pieces and a scrap of two words at the end): at the whitespace nearest to an equal share, else
//    by a hard cut between code points there that does not separate a combining mark, ZWJ sequence or
//    skin-tone modifier from what it extends. CJK text without spaces or punctuation is hard-cut.
// 4. Protected strings (the tokenizer's special tokens such as "<|speaker:0|>") are never cut; one longer than
//    chunk_length becomes a chunk of its own, the only case where a chunk exceeds chunk_length.
//
// Invariant (tested, and fuzzed): every chunk is non-empty and <= chunk_length code points (except a lone
// over-long protected string), and the chunks concatenated with whitespace removed equal the normalised input
// with whitespace removed: nothing lost, nothing reordered. Time is linear in the text's length, plus a binary
// search or two per chunk (1 MB of prose: about 22 ms of CPU, bench-text-splitter).
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
  // Also end a chunk at every paragraph break (blank line), so a heading or a paragraph's last words are never
  // spoken in one breath with the next paragraph; off: paragraphs are packed like sentences.
  bool paragraph_ends_chunk = false;
  // A smaller limit for the first chunk only (0 = chunk_length; else in [kMinChunkLength, chunk_length]): the first
  // chunk's prefill is on the way to the first audio, so a short one starts playback sooner.
  std::size_t first_chunk_length = 0;
};

// Splits `text` into chunks for one-at-a-time synthesis. Throws Error(kInvalidArgument) on invalid UTF-8 (naming
// the byte offset) or a chunk_length outside [kMinChunkLength, kMaxChunkLength].
std::vector<std::string> split_text(std::string_view text, const SplitOptions& options = {});

}  // namespace fishtts::text
