// Tokenizer: exact ids against upstream (golden/tokenizer_cases.json), the pre-tokenization regex piece by
// piece, the BPE merge rule, special tokens, invalid UTF-8 and the tiktoken file parser.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "text/byte_pair_merge.h"
#include "text/pretokenizer.h"
#include "text/tokenizer.h"

namespace fishtts::text {
namespace {

const std::filesystem::path kFixture = FISHTTS_FIXTURE_DIR;

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  return nlohmann::json::parse(in);
}

const Tokenizer& fixture_tokenizer() {
  static const Tokenizer tokenizer = Tokenizer::from_model_dir(kFixture);
  return tokenizer;
}

std::vector<std::string> pieces(std::string_view text) {
  static const PreTokenizer pre;
  PreTokenizer::Scratch scratch(pre);
  std::vector<std::string> out;
  pre.check_utf8(text, scratch);
  pre.split(text, scratch, [&](std::string_view piece) { out.emplace_back(piece); });
  return out;
}

using Pieces = std::vector<std::string>;

// A tiny tokenizer built in code: all 256 bytes, then the given merges, and a few specials.
Tokenizer make_tokenizer(const std::vector<std::string>& merges, const std::string& specials_json) {
  std::string tiktoken;
  int rank = 0;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto b64 = [&](const std::string& bytes) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
      uint32_t v = 0;
      std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
      for (std::size_t j = 0; j < 3; ++j) v = (v << 8) | (j < n ? static_cast<uint8_t>(bytes[i + j]) : 0);
      for (std::size_t j = 0; j < 4; ++j) out += j <= n ? alphabet[(v >> (18 - 6 * j)) & 63] : '=';
    }
    return out;
  };
  for (int b = 0; b < 256; ++b) tiktoken += b64(std::string(1, static_cast<char>(b))) + " " + std::to_string(rank++) + "\n";
  for (const auto& m : merges) tiktoken += b64(m) + " " + std::to_string(rank++) + "\n";
  return Tokenizer(RankTable::parse(tiktoken, "<test ranks>"), specials_json, "<test specials>");
}

TEST(Tokenizer, UsesUpstreamPatternVerbatim) {
  nlohmann::json cases = read_json(kFixture / "golden/tokenizer_cases.json");
  EXPECT_EQ(cases["pattern"].get<std::string>(), std::string(kFishPattern));
}

TEST(Tokenizer, GoldenCasesMatchUpstreamIds) {
  nlohmann::json cases = read_json(kFixture / "golden/tokenizer_cases.json");
  ASSERT_GE(cases["cases"].size(), 30u);
  for (const auto& c : cases["cases"]) {
    const std::string text = c["text"].get<std::string>();
    const std::vector<int32_t> expected = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(fixture_tokenizer().encode(text), expected) << "text: " << text;
  }
}

TEST(Tokenizer, SpecialIdsComeFromTheFiles) {
  nlohmann::json manifest = read_json(kFixture / "golden/manifest.json");
  const Tokenizer& tok = fixture_tokenizer();
  EXPECT_EQ(tok.ranks().size(), manifest["model"]["n_bpe_ranks"].get<std::size_t>());
  EXPECT_EQ(tok.im_end_id(), manifest["model"]["im_end_id"].get<int32_t>());
  EXPECT_EQ(tok.semantic_begin_id(), manifest["model"]["semantic_begin_id"].get<int32_t>());
  EXPECT_EQ(tok.semantic_end_id(), manifest["model"]["semantic_end_id"].get<int32_t>());
  EXPECT_EQ(tok.special_id("<|begin_of_text|>"), static_cast<int32_t>(tok.ranks().size()));
  EXPECT_LE(tok.size(), manifest["model"]["config"]["vocab_size"].get<std::size_t>());
  EXPECT_THROW(tok.special_id("<|speaker:0|>"), Error);
}

TEST(Tokenizer, TypedSpecialStringGivesTheSpecialId) {
  const Tokenizer& tok = fixture_tokenizer();
  EXPECT_EQ(tok.encode("<|im_end|>"), std::vector<int32_t>{tok.im_end_id()});
  EXPECT_EQ(tok.encode("<|semantic:5|>"), std::vector<int32_t>{tok.semantic_begin_id() + 5});
  std::vector<int32_t> ids = tok.encode("a<|im_end|>b");
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[1], tok.im_end_id());
  // Not special: the regex splits it like ordinary text.
  EXPECT_GT(tok.encode("<|im_end|").size(), 1u);
}

TEST(Tokenizer, SpecialIdsFollowJsonKeyOrderNotJsonValues) {
  Tokenizer tok = make_tokenizer({}, R"({"<|z|>": 5, "<|a|>": 0, "<|semantic:0|>": 0, "<|semantic:1|>": 0})");
  EXPECT_EQ(tok.special_id("<|z|>"), 256);
  EXPECT_EQ(tok.special_id("<|a|>"), 257);
  EXPECT_EQ(tok.semantic_begin_id(), 258);
  EXPECT_EQ(tok.semantic_end_id(), 259);
  EXPECT_THROW(tok.im_end_id(), Error);
}

TEST(Tokenizer, SpecialTokensNeedNotStartWithAngleBar) {
  Tokenizer tok = make_tokenizer({}, R"({"[END]": 0, "<|x|>": 0})");
  EXPECT_EQ(tok.encode("x[END]<|x|>"), (std::vector<int32_t>{'x', 256, 257}));
}

TEST(Tokenizer, DecodeReturnsTheInputBytes) {
  const Tokenizer& tok = fixture_tokenizer();
  const std::string text = "Grüße, 你好 <|im_end|> 😀 don't\r\n\t 12";
  EXPECT_EQ(tok.decode(tok.encode(text)), text);
  EXPECT_THROW(tok.decode(std::vector<int32_t>{static_cast<int32_t>(tok.size())}), Error);
}

TEST(Tokenizer, EncodesFromSeveralThreadsAtOnce) {
  const Tokenizer& tok = fixture_tokenizer();
  nlohmann::json cases = read_json(kFixture / "golden/tokenizer_cases.json");
  std::vector<std::thread> threads;
  std::atomic<int> mismatches = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round)
        for (const auto& c : cases["cases"])
          if (tok.encode(c["text"].get<std::string>()) != c["ids"].get<std::vector<int32_t>>()) ++mismatches;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Tokenizer, InvalidUtf8IsAnErrorNamingTheOffset) {
  const Tokenizer& tok = fixture_tokenizer();
  for (const std::string& bad : {std::string("abc\xff"), std::string("abc\xc3"), std::string("abc\xed\xa0\x80"),
                                 std::string("abc\xc0\xafz")}) {
    try {
      tok.encode(bad);
      ADD_FAILURE() << "no error for invalid UTF-8";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("byte offset 3"), std::string::npos) << e.what();
    }
  }
  // The bad byte is far from the first match and after a special token: still found.
  std::string late = "Hello <|im_end|> " + std::string(1000, 'x') + "\x80";
  EXPECT_THROW(tok.encode(late), Error);
}

TEST(Tokenizer, LongTextIsEncodedInSlicesOf400kCharacters) {
  // Upstream slices at 400,000 code points, so a piece straddling the boundary is split there.
  Tokenizer tok = make_tokenizer({"ab"}, "{}");
  const int32_t ab = tok.ranks().rank_of("ab");
  std::string inside = std::string(kMaxEncodeChars - 2, '1') + "ab";
  std::string straddling = std::string(kMaxEncodeChars - 1, '1') + "ab";
  std::vector<int32_t> a = tok.encode(inside);
  std::vector<int32_t> b = tok.encode(straddling);
  EXPECT_EQ(a.back(), ab);
  ASSERT_GE(b.size(), 2u);
  EXPECT_EQ(b[b.size() - 2], 'a');
  EXPECT_EQ(b.back(), 'b');
  // Counting is in code points, not bytes: 2-byte characters move the boundary.
  std::string wide;
  for (std::size_t i = 0; i < kMaxEncodeChars - 2; ++i) wide += "\xc3\xa9";  // é
  EXPECT_EQ(tok.encode(wide + "1ab").back(), 'b');
  EXPECT_EQ(tok.encode(wide + "ab").back(), ab);
}

TEST(BytePairMerge, LowestRankFirstAndLeftmostOnTies) {
  // "ab" before "bc": "abc" -> ab + c, even though "bc" also exists.
  Tokenizer tok = make_tokenizer({"ab", "bc", "cd", "abcd"}, "{}");
  const RankTable& r = tok.ranks();
  std::vector<int32_t> out;
  byte_pair_encode("abc", r, out);
  EXPECT_EQ(out, (std::vector<int32_t>{r.rank_of("ab"), 'c'}));
  // "aaa" with "aa": the leftmost pair merges first -> aa + a.
  Tokenizer tok2 = make_tokenizer({"aa"}, "{}");
  out.clear();
  byte_pair_encode("aaa", tok2.ranks(), out);
  EXPECT_EQ(out, (std::vector<int32_t>{tok2.ranks().rank_of("aa"), 'a'}));
  // Merges continue on merged parts: abcd = ab + cd -> abcd.
  out.clear();
  byte_pair_encode("xabcd", r, out);
  EXPECT_EQ(out, (std::vector<int32_t>{'x', r.rank_of("abcd")}));
  // Rank table without a single byte: a clear error instead of a wrong id.
  RankTable partial = RankTable::parse("YQ== 0\nYg== 1\n", "<partial>");
  out.clear();
  EXPECT_THROW(byte_pair_encode("abc", partial, out), Error);
}

TEST(BytePairMerge, HeapAndScanPickTheSameMerges) {
  // Random strings over a small alphabet with many merges in the fixture's ranks, and a synthetic table with
  // chains of equal pairs (ties), must give identical boundaries from both implementations.
  const RankTable& fixture = fixture_tokenizer().ranks();
  Tokenizer ties = make_tokenizer({"aa", "ab", "ba", "aaa", "aab", "abab", "aaaa", "bb"}, "{}");
  std::mt19937 rng(1234);
  const std::string alphabets[] = {"the qu", "ab", "e\xc3\xa9\xe4\xbd\xa0"};
  for (int round = 0; round < 600; ++round) {
    const std::string& alphabet = alphabets[round % 3];
    std::string piece(1 + rng() % 300, ' ');
    for (char& c : piece) c = alphabet[rng() % alphabet.size()];
    const RankTable& table = round % 3 == 1 ? ties.ranks() : fixture;
    ASSERT_EQ(merge_by_scan(piece, table), merge_by_heap(piece, table)) << piece;
  }
}

TEST(BytePairMerge, LongWordStaysFast) {
  // 600 KB of one word with merges: quadratic merging would take minutes.
  std::string word;
  for (int i = 0; i < 200'000; ++i) word += "the";
  const auto start = std::chrono::steady_clock::now();
  std::vector<int32_t> ids = fixture_tokenizer().encode(word);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(fixture_tokenizer().decode(ids), word);
  EXPECT_LT(seconds, 5.0);
}

// --- the pre-tokenization regex, piece by piece (spec 4.2) ---

TEST(PreTokenizer, Contractions) {
  EXPECT_EQ(pieces("don't"), (Pieces{"don", "'t"}));
  EXPECT_EQ(pieces("We'll THEY'LL it's I'M"), (Pieces{"We", "'ll", " THEY", "'LL", " it", "'s", " I", "'M"}));
  EXPECT_EQ(pieces("'re've'd"), (Pieces{"'re", "'ve", "'d"}));
  // An apostrophe not followed by a contraction is one punctuation piece.
  EXPECT_EQ(pieces("'x"), (Pieces{"'", "x"}));
}

TEST(PreTokenizer, OneDigitPerPiece) {
  EXPECT_EQ(pieces("ok 12"), (Pieces{"ok", " ", "1", "2"}));
  EXPECT_EQ(pieces("2048Hz"), (Pieces{"2", "0", "4", "8", "Hz"}));
  EXPECT_EQ(pieces("\xd9\xa3\xe2\x85\xab"), (Pieces{"\xd9\xa3", "\xe2\x85\xab"}));  // Arabic-Indic 3, Roman XII
}

TEST(PreTokenizer, SinglePunctuation) {
  EXPECT_EQ(pieces("Hello, world... 1234 ok"),
            (Pieces{"Hello", ",", " world", ".", ".", ".", " ", "1", "2", "3", "4", " ok"}));
  EXPECT_EQ(pieces("(angry) hi"), (Pieces{"(", "angry", ")", " hi"}));
  EXPECT_EQ(pieces("x \xe2\x80\x94 y"), (Pieces{"x", " \xe2\x80\x94", " y"}));  // em dash after a space
  EXPECT_EQ(pieces("$5 +="), (Pieces{"$", "5", " +="}));
  EXPECT_EQ(pieces("$abc"), (Pieces{"$abc"}));
}

TEST(PreTokenizer, WhitespaceRuns) {
  EXPECT_EQ(pieces("Hi  there"), (Pieces{"Hi", "  ", "there"}));
  EXPECT_EQ(pieces("a\t\tb  "), (Pieces{"a", "\t\t", "b", "  "}));
  EXPECT_EQ(pieces("end.\n\nNext"), (Pieces{"end", ".", "\n\n", "Next"}));
  EXPECT_EQ(pieces("a \n b"), (Pieces{"a", " \n", " b"}));
  EXPECT_EQ(pieces("nbsp\xc2\xa0here"), (Pieces{"nbsp", "\xc2\xa0here"}));
  EXPECT_EQ(pieces("x\xe3\x80\x80y"), (Pieces{"x", "\xe3\x80\x80y"}));  // ideographic space
}

TEST(PreTokenizer, QuirkSevenMatchesLiteralQuestionBang) {
  EXPECT_EQ(pieces("a ?!b"), (Pieces{"a", " ?!", "b"}));
  EXPECT_EQ(pieces("a\t?!b"), (Pieces{"a", "\t?!b"}));
  EXPECT_EQ(pieces("a  ?!b"), (Pieces{"a", "  ?!b"}));
  // No non-space after "?!": #7 fails, #8 takes the whole run, "?" and "!" are single punctuation.
  EXPECT_EQ(pieces("a  ?! b"), (Pieces{"a", "  ", "?", "!", " b"}));
}

TEST(PreTokenizer, CrLf) {
  EXPECT_EQ(pieces("two\r\nLine"), (Pieces{"two", "\r\n", "Line"}));
  EXPECT_EQ(pieces("x!\r\n\r\ny"), (Pieces{"x", "!", "\r\n\r\n", "y"}));
  EXPECT_EQ(pieces("x +\r\ny"), (Pieces{"x", " +\r\n", "y"}));
}

TEST(PreTokenizer, CjkEmojiAndCombiningMarks) {
  EXPECT_EQ(pieces("你好，世界！"), (Pieces{"你好", "，", "世界", "！"}));
  EXPECT_EQ(pieces("こんにちは。"), (Pieces{"こんにちは", "。"}));
  EXPECT_EQ(pieces("emoji 😀🎉 ok"), (Pieces{"emoji", " 😀🎉", " ok"}));
  // e + COMBINING ACUTE: the mark (Mn) is neither a letter nor punctuation, so it starts the next run.
  EXPECT_EQ(pieces("e\xcc\x81t"), (Pieces{"e", "\xcc\x81t"}));
  EXPECT_EQ(pieces("\xc3\xa9t"), (Pieces{"\xc3\xa9t"}));  // precomposed é is a letter
  EXPECT_EQ(pieces("zero\xe2\x80\x8bwidth"), (Pieces{"zero", "\xe2\x80\x8bwidth"}));
}

TEST(PreTokenizer, UnicodeWhitespaceFollowsRustRegex) {
  // Upstream runs the pattern with Rust's regex crate, whose \s is Unicode White_Space. Quirk #7 makes the
  // difference visible: "<ws>?!b" is one piece when <ws> is whitespace, else #5 takes "<x>?!" and "b" follows.
  EXPECT_EQ(pieces("a\xc2\x85?!b"), (Pieces{"a", "\xc2\x85?!b"}));          // NEL: whitespace
  EXPECT_EQ(pieces("a\xe2\x80\xa8?!b"), (Pieces{"a", "\xe2\x80\xa8?!b"}));  // LINE SEPARATOR: whitespace
  EXPECT_EQ(pieces("a\x1c?!b"), (Pieces{"a", "\x1c?!", "b"}));                // FS: not whitespace
  EXPECT_EQ(pieces("a\xe2\x80\x8b?!b"), (Pieces{"a", "\xe2\x80\x8b?!", "b"}));  // ZERO WIDTH SPACE: not
  EXPECT_EQ(pieces("a\xe1\xa0\x8e?!b"), (Pieces{"a", "\xe1\xa0\x8e?!", "b"}));  // U+180E: not since Unicode 6.3
  // A non-letter before letters joins them (#3), whitespace or not.
  EXPECT_EQ(pieces("a\xc2\x85" "b"), (Pieces{"a", "\xc2\x85" "b"}));
}

TEST(PreTokenizer, WhitespaceRewriteKeepsEverythingElse) {
  const std::string ws = with_rust_whitespace("\\s");
  ASSERT_GE(ws.size(), 3u);
  EXPECT_EQ(ws.front(), '[');
  EXPECT_EQ(with_rust_whitespace("[^\\s\\p{L}]"), "[^" + ws.substr(1, ws.size() - 2) + "\\p{L}]");
  EXPECT_EQ(with_rust_whitespace("\\S"), "[^" + ws.substr(1));
  EXPECT_EQ(with_rust_whitespace("\\\\s(\\?!x)[]s]"), "\\\\s(\\?!x)[]s]");  // escaped backslash, literal ']'
  EXPECT_THROW(with_rust_whitespace("[\\S]"), Error);
}

// --- the tiktoken file ---

TEST(RankTable, ParsesAndSkipsEmptyLinesAndEqualsToken) {
  RankTable t = RankTable::parse("YQ== 0\r\n\nYWI= 1\n= 7\nYWJj 2", "<t>");
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.rank_of("a"), 0);
  EXPECT_EQ(t.rank_of("ab"), 1);
  EXPECT_EQ(t.rank_of("abc"), 2);
  EXPECT_EQ(t.rank_of("b"), -1);
  EXPECT_EQ(t.bytes_of(1), "ab");
}

TEST(RankTable, RejectsMalformedFiles) {
  auto message = [](const std::string& content) {
    try {
      RankTable::parse(content, "tok.tiktoken");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadFormat);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("YQ== 0\nYg==\n").find("line 2"), std::string::npos);
  EXPECT_NE(message("YQ== 0\n@@@@ 1\n").find("base64"), std::string::npos);
  EXPECT_NE(message("YQ== 0\nYg== x\n").find("rank 'x'"), std::string::npos);
  EXPECT_NE(message("YQ== 0\nYg== 0\n").find("appears twice"), std::string::npos);
  EXPECT_NE(message("YQ== 0\nYg== 5\n").find("dense"), std::string::npos);
  EXPECT_NE(message("YQ== 0\nYQ== 1\n").find("same token bytes"), std::string::npos);
  EXPECT_NE(message("").find("no ranks"), std::string::npos);
}

TEST(Tokenizer, MissingFilesAreNotFound) {
  try {
    Tokenizer::from_model_dir("/nonexistent-dir");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir"), std::string::npos);
  }
}

}  // namespace
}  // namespace fishtts::text
