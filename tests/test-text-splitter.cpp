// Text splitter (issue #11): sentence ends on hand-written cases (abbreviations, decimals, thousands separators,
// quotes and brackets, ellipses, CJK, mixed scripts, paragraph breaks, special tokens), packing and the
// clause / whitespace / hard-cut fallbacks, bad input, and the invariant over long texts at 100, 200 and 300.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "support/cli_runner.h"
#include "common/error.h"
#include "support/split_invariant.h"
#include "text/cut_points.h"
#include "text/text_splitter.h"

namespace fishtts::text {
namespace {

using Chunks = std::vector<std::string>;
using test::code_points;
using test::split_invariant_violation;

const std::filesystem::path kLongText = std::filesystem::path(FISHTTS_SOURCE_DIR) / "tests/data/long-text.txt";

// The text cut at every sentence end the splitter sees (before any packing).
Chunks sentences(std::string_view text, const std::vector<std::string>& protected_strings = {}) {
  const NormalizedText normalized = normalize_text(text);
  const ProtectedSpans spans(normalized.chars, protected_strings);
  CharClassifier classes;
  const std::vector<CutKind> kinds = find_cut_points(normalized, spans, classes);
  Chunks out;
  std::size_t begin = 0;
  for (std::size_t c = 1; c <= normalized.chars.size(); ++c) {
    if (kinds[c] != CutKind::kSentence && c != normalized.chars.size()) continue;
    std::u32string_view piece = std::u32string_view(normalized.chars).substr(begin, c - begin);
    while (!piece.empty() && piece.front() == U' ') piece.remove_prefix(1);
    append_utf8(piece, out.emplace_back());
    begin = c;
  }
  return out;
}

// split_text, checking the invariant on the way.
Chunks split(std::string_view text, const SplitOptions& options) {
  Chunks chunks = split_text(text, options);
  EXPECT_EQ(split_invariant_violation(text, chunks, options), "");
  return chunks;
}

Chunks split(std::string_view text, std::size_t chunk_length, const std::vector<std::string>& protected_strings = {}) {
  return split(text, SplitOptions{chunk_length, protected_strings});
}

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

std::size_t length(std::string_view chunk) { return code_points(chunk).size(); }

TEST(SentenceEnds, AbbreviationsAndInitialsDoNotEndASentence) {
  EXPECT_EQ(sentences("I met Dr. Jones and Mrs. Brown of the U.S. Navy. It was fun."),
            (Chunks{"I met Dr. Jones and Mrs. Brown of the U.S. Navy.", "It was fun."}));
  EXPECT_EQ(sentences("Cities, e.g. Paris, i.e. France. Etc. Not this vs. That. Prof. X left."),
            (Chunks{"Cities, e.g. Paris, i.e. France.", "Etc. Not this vs. That.", "Prof. X left."}));
  EXPECT_EQ(sentences("J. R. R. Tolkien wrote it. So do I. Then we left."),
            (Chunks{"J. R. R. Tolkien wrote it.", "So do I.", "Then we left."}));
  // "No." is an abbreviation only before a number.
  EXPECT_EQ(sentences("See Fig. 3 and No. 5 here. No. I won't."),
            (Chunks{"See Fig. 3 and No. 5 here.", "No.", "I won't."}));
  EXPECT_EQ(sentences("At 5 p.m. We ate. Ask St. Peter."), (Chunks{"At 5 p.m. We ate.", "Ask St. Peter."}));
}

TEST(SentenceEnds, NumbersAreNeverSplit) {
  EXPECT_EQ(sentences("Pi is 3.14 today. The price rose 2.5% to 1,000.50 dollars. Version 1.2.3 ships in 2026."),
            (Chunks{"Pi is 3.14 today.", "The price rose 2.5% to 1,000.50 dollars.", "Version 1.2.3 ships in 2026."}));
  EXPECT_EQ(sentences("Open file.txt now. Then www.example.com loads."),
            (Chunks{"Open file.txt now.", "Then www.example.com loads."}));
}

TEST(SentenceEnds, RunsEllipsesQuotesAndBrackets) {
  EXPECT_EQ(sentences("Really?! Yes!!! Ok."), (Chunks{"Really?!", "Yes!!!", "Ok."}));
  // An ellipsis before a lowercase letter goes on; before a capital it ends the sentence.
  EXPECT_EQ(sentences("Well... maybe not. Wait\u2026 Then go! Hmm\u2026 and so."),
            (Chunks{"Well... maybe not.", "Wait\u2026", "Then go!", "Hmm\u2026 and so."}));
  EXPECT_EQ(sentences("He said, \"Stop.\" Then he left. (It was late.) \"Why?\" she asked. [Done!] \u201cYes.\u201d "
                      "\u00abNon.\u00bb End."),
            (Chunks{"He said, \"Stop.\"", "Then he left.", "(It was late.)", "\"Why?\" she asked.", "[Done!]",
                    "\u201cYes.\u201d", "\u00abNon.\u00bb", "End."}));
}

TEST(SentenceEnds, CjkEndsNeedNoSpace) {
  EXPECT_EQ(sentences("他说：「你好。」然后走了！真的吗？是的。"),
            (Chunks{"他说：「你好。」", "然后走了！", "真的吗？", "是的。"}));
  EXPECT_EQ(sentences("今日は晴れです。明日は『雨』でしょう。"), (Chunks{"今日は晴れです。", "明日は『雨』でしょう。"}));
  // CJK text with a Latin ellipsis and no space goes on.
  EXPECT_EQ(sentences("他说……然后走了。"), (Chunks{"他说……然后走了。"}));
}

TEST(SentenceEnds, MixedScripts) {
  EXPECT_EQ(sentences("Hello world. 你好世界。Bonjour le monde! Привет, мир. Ёлка стоит. Γειά σου κόσμε. "
                      "नमस्ते दुनिया। مرحبا بالعالم؟ Done."),
            (Chunks{"Hello world.", "你好世界。", "Bonjour le monde!", "Привет, мир.", "Ёлка стоит.", "Γειά σου κόσμε.",
                    "नमस्ते दुनिया।", "مرحبا بالعالم؟", "Done."}));
  // A lowercase letter of another script also continues the sentence.
  EXPECT_EQ(sentences("Он сказал... ёлка тут. Ça va."), (Chunks{"Он сказал... ёлка тут.", "Ça va."}));
}

TEST(SentenceEnds, ParagraphBreaks) {
  EXPECT_EQ(sentences("Title\n\nFirst line\nsecond line\r\n \t\r\nThird\u2029Fourth\u2028fifth"),
            (Chunks{"Title", "First line second line", "Third", "Fourth fifth"}));
  EXPECT_EQ(sentences("One\r\rTwo\n\x01\nThree"), (Chunks{"One", "Two", "Three"}));
}

TEST(SentenceEnds, SpecialTokens) {
  const std::vector<std::string> specials = {"<|speaker:0|>", "<|speaker:1|>", "<|a.b|>"};
  // A special token is a word boundary; a period inside one is not a sentence end.
  EXPECT_EQ(sentences("<|speaker:0|>Hello.<|speaker:1|>Hi there. <|a.b|> Ok.", specials),
            (Chunks{"<|speaker:0|>Hello.", "<|speaker:1|>Hi there.", "<|a.b|> Ok."}));
  EXPECT_EQ(sentences("<|a. B|> x", {"<|a. B|>"}), (Chunks{"<|a. B|> x"}));
  EXPECT_EQ(sentences("<|a. B|> x", {}), (Chunks{"<|a.", "B|> x"}));
}

TEST(TextSplitter, EmptyAndWhitespaceOnlyTextGivesNoChunks) {
  EXPECT_TRUE(split_text("").empty());
  EXPECT_TRUE(split_text(" \n\t\r\n \u00a0\u3000 ").empty());
  EXPECT_TRUE(split_text(std::string_view("\x01\x02\x7f\xc2\x85\0", 6)).empty());
}

TEST(TextSplitter, ControlCharactersAndWhitespaceBecomeOneSpace) {
  using namespace std::string_view_literals;
  EXPECT_EQ(split("Hello\x01world\x7f again\xc2\x85 \x1b[31mred\0end"sv, 100),
            (Chunks{"Hello world again [31mred end"}));
  EXPECT_EQ(split("  a \t\n b\u00a0\u3000c\u2003d  ", 100), (Chunks{"a b c d"}));
}

TEST(TextSplitter, PacksWholeSentencesGreedily) {
  const std::string sentence = "Word " + repeat("word ", 7) + "finished.";  // 49 code points
  ASSERT_EQ(length(sentence), 49u);
  const Chunks chunks = split(repeat(sentence + " ", 5), 100);
  EXPECT_EQ(chunks, (Chunks{sentence + " " + sentence, sentence + " " + sentence, sentence}));
  // At 300 all five fit in one chunk.
  EXPECT_EQ(split(repeat(sentence + " ", 5), 300).size(), 1u);
  // A text that fits is one chunk, even without any sentence end.
  EXPECT_EQ(split("no punctuation at all here", 100), (Chunks{"no punctuation at all here"}));
}

TEST(TextSplitter, ParagraphBreaksEndChunksOnlyWhenAsked) {
  const std::string text = "Title\n\nFirst paragraph, short.\r\n\r\nSecond one\nstill second.";
  EXPECT_EQ(split(text, 100), (Chunks{"Title First paragraph, short. Second one still second."}));
  SplitOptions options;
  options.chunk_length = 100;
  options.paragraph_ends_chunk = true;
  EXPECT_EQ(split(text, options), (Chunks{"Title", "First paragraph, short.", "Second one still second."}));
  // A paragraph longer than the chunk is still cut inside.
  EXPECT_EQ(split(repeat("Some words here. ", 10) + "\n\nEnd.", options).size(), 3u);
}

TEST(TextSplitter, LongSentenceIsCutAtClausesThenWhitespace) {
  // 5 clauses of 40 code points each: cuts after the commas, never at the comma of 1,000.
  const std::string clause = "and then about 1,000 people walked past,";
  ASSERT_EQ(length(clause), 40u);
  const std::string text = repeat(clause + " ", 5) + "home.";
  const Chunks chunks = split(text, 100);
  ASSERT_EQ(chunks.size(), 3u);
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].back(), ',') << chunks[i];
    EXPECT_EQ(chunks[i].find("1,000 people"), 0u + chunks[i].find("1,000")) << chunks[i];
  }
  EXPECT_EQ(chunks[0], clause + " " + clause);
  // A clause mark between digits or without a space after it is no cut: whitespace then.
  const Chunks numbers = split(repeat("1,000,000 ", 30), 100);
  for (const auto& chunk : numbers) EXPECT_EQ(chunk.substr(0, 9), "1,000,000") << chunk;
  // CJK clause marks need no space.
  const Chunks cjk = split(repeat("我们今天去了公园，", 30), 100);
  for (const auto& chunk : cjk) EXPECT_EQ(code_points(chunk).back(), U'，') << chunk;
}

TEST(TextSplitter, FirstChunkLengthLimitsOnlyTheFirstChunk) {
  const std::string sentence = "This sentence is exactly sixty code points long, give or ta.";
  ASSERT_EQ(length(sentence), 60u);
  SplitOptions options;
  options.chunk_length = 300;
  options.first_chunk_length = 100;
  const Chunks chunks = split(repeat(sentence + " ", 10), options);
  ASSERT_EQ(chunks.size(), 4u);  // 60, then 4 x 60 = 240 (+3 spaces), twice, then the last 60
  EXPECT_EQ(length(chunks[0]), 60u);
  EXPECT_EQ(length(chunks[1]), 243u);
  options.first_chunk_length = 99;
  EXPECT_THROW(split_text("Hello.", options), fishtts::Error);
  options.first_chunk_length = 301;
  EXPECT_THROW(split_text("Hello.", options), fishtts::Error);
}

TEST(TextSplitter, AClauseCutLeavesAtLeastAThirdOfTheChunk) {
  // The only clause mark in reach is 9 characters in: spoken alone, "In Japan," would be a breath of its own.
  const std::string text = "In Japan, " + repeat("the lamp changers climbed every tower in the winter rain ", 3) + "home.";
  const Chunks chunks = split(text, 100);
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_GE(length(chunks[0]), 100u / 3) << chunks[0];
  EXPECT_EQ(chunks[0].substr(0, 9), "In Japan,");
  // Past the third, the clause mark wins over a later space.
  const Chunks late = split(repeat("word ", 8) + "then a comma, " + repeat("and more words ", 10) + "end.", 100);
  EXPECT_EQ(late[0].back(), ',') << late[0];
}

// Longest minus shortest code-point length.
std::size_t spread(const Chunks& chunks) {
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const auto& chunk : chunks) {
    lo = std::min(lo, length(chunk));
    hi = std::max(hi, length(chunk));
  }
  return hi - lo;
}

TEST(TextSplitter, NoPunctuationAtAllIsCutAtWhitespaceIntoEvenPieces) {
  std::string text;
  for (int i = 0; i < 120; ++i) text += "w" + std::to_string(i) + " ";
  const Chunks chunks = split(text, 100);
  const std::size_t total = length(text) - 1;  // without the trailing space
  EXPECT_EQ(chunks.size(), (total + 99) / 100);
  std::string rejoined;
  for (const auto& chunk : chunks) rejoined += chunk + " ";
  EXPECT_EQ(rejoined, text);  // every cut fell on a space: no word was split
  EXPECT_LE(spread(chunks), 10u) << "pieces of uneven length";
  // A sentence a little longer than the chunk becomes two halves, not a full chunk and a two-word scrap.
  const std::string sentence = "An observer whose eyes are five metres above the sea can see a light at sea level for "
                               "only four nautical miles.";
  ASSERT_GT(length(sentence), 100u);
  const Chunks halves = split(sentence + " Next one.", 100);
  ASSERT_EQ(halves.size(), 2u);
  EXPECT_GT(length(halves[0]), 45u);
  EXPECT_GT(length(halves[1]), 45u);
}

TEST(TextSplitter, SingleHugeWordIsHardCutIntoEvenPieces) {
  const std::string word(10'000, 'a');
  for (const std::size_t limit : {kMinChunkLength, kDefaultChunkLength, kMaxChunkLength}) {
    const Chunks chunks = split(word, limit);
    EXPECT_EQ(chunks.size(), (word.size() + limit - 1) / limit);
    EXPECT_LE(spread(chunks), 1u);
  }
  // Multi-byte: cuts fall between code points.
  const Chunks han = split(repeat("字", 500), 200);
  EXPECT_EQ(han, (Chunks{repeat("字", 167), repeat("字", 167), repeat("字", 166)}));
}

TEST(TextSplitter, HardCutKeepsCombiningMarksWithTheirBase) {
  // "e" + COMBINING ACUTE ACCENT, 101 times at 101: the even share (101 code points) would orphan an accent.
  const Chunks chunks = split(repeat("e\u0301", 101), 101);
  ASSERT_EQ(chunks.size(), 3u);
  for (const auto& chunk : chunks) {
    EXPECT_EQ(chunk.front(), 'e');
    EXPECT_EQ(length(chunk) % 2, 0u) << length(chunk);
  }
  // A family emoji joined by ZWJ is not cut at a joiner: the cut at 100 moves before the emoji.
  const std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
  const Chunks emoji = split(std::string(98, 'x') + family + std::string(97, 'y'), 100);
  ASSERT_GE(emoji.size(), 2u);
  EXPECT_EQ(emoji[0], std::string(98, 'x'));
  EXPECT_EQ(emoji[1].substr(0, family.size()), family);
}

TEST(TextSplitter, ProtectedStringsAreNeverCut) {
  const std::string token = "<|speaker:0|>";
  // Without a space in sight the hard cut (at 100 of 200) would fall inside the token: it goes before it.
  const std::string text = std::string(95, 'x') + token + std::string(92, 'y');
  const Chunks chunks = split(text, 100, {token});
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks[0], std::string(95, 'x'));
  EXPECT_EQ(chunks[1].substr(0, token.size()), token);
  // Unprotected, the same text is cut inside it.
  EXPECT_EQ(split(text, 100)[0].size(), 100u);
  // One longer than chunk_length is a chunk of its own.
  const std::string huge = "<|" + std::string(346, 'z') + "|>";
  const Chunks alone = split("Before it. " + huge + " After it.", 100, {huge});
  EXPECT_EQ(alone, (Chunks{"Before it.", huge, "After it."}));
  EXPECT_EQ(split(std::string(50, 'a') + huge + std::string(50, 'b'), 100, {huge}),
            (Chunks{std::string(50, 'a'), huge, std::string(50, 'b')}));
}

TEST(TextSplitter, RefusesInvalidUtf8NamingTheOffset) {
  for (const auto& [bytes, offset] : std::vector<std::pair<std::string, std::size_t>>{
           {"abc\xff", 3}, {"ok \xe4\xbd", 3}, {"\xc0\xaf", 0}, {"xy\xed\xa0\x80", 2}, {"a\x80", 1}}) {
    try {
      split_text(bytes);
      ADD_FAILURE() << "accepted invalid UTF-8 at " << offset;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("byte offset " + std::to_string(offset)), std::string::npos) << e.what();
    }
  }
  try {
    split_text("fine", SplitOptions{200, {"bad\xff"}});
    ADD_FAILURE() << "accepted an invalid protected string";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("protected string 0"), std::string::npos) << e.what();
  }
}

TEST(TextSplitter, RefusesChunkLengthOutsideItsRange) {
  for (const std::size_t bad : {std::size_t{0}, kMinChunkLength - 1, kMaxChunkLength + 1}) {
    try {
      split_text("Hello.", SplitOptions{bad, {}});
      ADD_FAILURE() << "accepted chunk_length " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(split_text("Hello.", SplitOptions{kMinChunkLength, {}}).size(), 1u);
  EXPECT_EQ(split_text("Hello.", SplitOptions{kMaxChunkLength, {}}).size(), 1u);
}

// Words, numbers, abbreviations, quotes, CJK, control characters, combining marks, special tokens, huge words.
std::string generated_text(std::size_t min_bytes, unsigned seed) {
  static const std::vector<std::string> pieces = {
      "the", "lighthouse", "keeper", "said,", "\"Stop.\"", "Dr.", "Smith", "e.g.", "3.14", "1,000", "U.S.",
      "walked.", "home!", "why?!", "well...", "maybe", "(quietly)", "\u2014", "灯塔很高。", "他说，", "「好。」",
      "Ёлка.", "caf\u00e9", "e\u0301", "\n\n", "\n", "\t", "\x01", "<|speaker:0|>", "<|im_end|>", "10:30", "a.m.",
      "\u2026", "Mr.", "J.", "etc.", "\u00a0", "नमस्ते।", std::string(120, 'z'), "字字字字字字字字字字字字字字字字字字"};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::string text;
  while (text.size() < min_bytes) {
    text += pieces[pick(rng)];
    if (rng() % 4 != 0) text += ' ';
  }
  return text;
}

TEST(TextSplitter, InvariantHoldsOnLongGeneratedTexts) {
  const std::vector<std::string> specials = {"<|speaker:0|>", "<|im_end|>"};
  for (const std::size_t limit : {kMinChunkLength, kDefaultChunkLength, kMaxChunkLength}) {
    for (unsigned seed = 1; seed <= 3; ++seed) {
      const std::string text = generated_text(30'000, seed);
      const Chunks chunks = split(text, limit, specials);
      // Fewer, fuller chunks: greedy packing fills most of each chunk on average (about 68% at 100, where a
      // sentence end is preferred to a fuller chunk more often, and more at 200 and 300).
      std::size_t total = 0;
      for (const auto& chunk : chunks) total += length(chunk);
      EXPECT_GT(static_cast<double>(total) / static_cast<double>(chunks.size()), 0.6 * static_cast<double>(limit));
    }
  }
}

TEST(TextSplitter, LongTextForTheEndToEndTest) {
  const std::string text = test::read_text_file(kLongText);
  ASSERT_GE(code_points(text).size(), 20'000u) << kLongText;
  for (const std::size_t limit : {kMinChunkLength, kDefaultChunkLength, kMaxChunkLength}) {
    const Chunks chunks = split(text, limit);
    EXPECT_GT(chunks.size(), code_points(text).size() / limit);
  }
}

TEST(TextSplitter, TwoHundredKilobytesSplitQuickly) {
  const std::string text = generated_text(200'000, 7);
  const auto start = std::chrono::steady_clock::now();
  const Chunks chunks = split_text(text);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(chunks.empty());
  // About 10 ms here; the bound only catches a super-linear regression, with room for a loaded machine.
  EXPECT_LT(ms, 1000.0);
  std::printf("200 KB split into %zu chunks in %.1f ms\n", chunks.size(), ms);
}

}  // namespace
}  // namespace fishtts::text
