// Prompt builder: exact [11, T] matrices against upstream (golden/prompt_*_values.npy), built from the texts
// and reference codes that golden/manifest.json lists; layout rules, validation and the length limit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/npy.h"
#include "support/cli_runner.h"
#include "text/prompt.h"

namespace fishtts::text {
namespace {

const std::filesystem::path kFixture = FISHTTS_FIXTURE_DIR;
const std::filesystem::path kGolden = kFixture / "golden";

const Tokenizer& fixture_tokenizer() {
  static const Tokenizer tokenizer = Tokenizer::from_model_dir(kFixture);
  return tokenizer;
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  return nlohmann::json::parse(in);
}

IntMatrix read_matrix(const std::filesystem::path& path) {
  io::NpyArray array = io::read_npy(path);
  EXPECT_EQ(array.shape.size(), 2u) << path;
  return IntMatrix{array.shape.at(0), array.shape.at(1), io::npy_to_int32(array, path.string())};
}

// The manifest describes each prompt case in a Python repr:
//   "prompt for text='Short.', references=['First reference.', 'Second one!']: row 0 ..."
// This reads one Python string literal (quotes ' or ", backslash escapes) starting at `pos`.
std::string parse_py_string(const std::string& s, std::size_t& pos) {
  const char quote = s.at(pos++);
  EXPECT_TRUE(quote == '\'' || quote == '"') << s;
  std::string out;
  while (s.at(pos) != quote) {
    char c = s[pos++];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = s.at(pos++);
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': case '\'': case '"': out += e; break;
      default: ADD_FAILURE() << "unsupported escape \\" << e << " in " << s;
    }
  }
  ++pos;
  return out;
}

struct PromptCase {
  std::string name;
  std::string text;
  std::vector<std::string> reference_texts;
};

PromptCase parse_case(const std::string& name, const std::string& desc) {
  PromptCase c{name, {}, {}};
  std::size_t pos = desc.find("text=");
  EXPECT_NE(pos, std::string::npos) << desc;
  pos += 5;
  c.text = parse_py_string(desc, pos);
  const std::string refs = ", references=";
  EXPECT_EQ(desc.compare(pos, refs.size(), refs), 0) << desc;
  pos += refs.size();
  if (desc.compare(pos, 4, "None") == 0) return c;
  EXPECT_EQ(desc.at(pos), '[');
  ++pos;
  while (desc.at(pos) != ']') {
    c.reference_texts.push_back(parse_py_string(desc, pos));
    if (desc.compare(pos, 2, ", ") == 0) pos += 2;
  }
  return c;
}

std::vector<PromptCase> golden_cases() {
  nlohmann::json manifest = read_json(kGolden / "manifest.json");
  std::vector<PromptCase> cases;
  for (const auto& [key, entry] : manifest["arrays"].items()) {
    if (key.rfind("prompt_", 0) == 0 && key.size() > 7 && key.substr(key.size() - 7) == "_values")
      cases.push_back(parse_case(key.substr(7, key.size() - 14), entry["desc"].get<std::string>()));
  }
  return cases;
}

PromptOptions fixture_options() {
  nlohmann::json config = read_json(kFixture / "config.json");
  return PromptOptions{config["num_codebooks"].get<std::size_t>(), config["max_seq_len"].get<std::size_t>()};
}

std::vector<PromptReference> references_of(const PromptCase& c) {
  std::vector<PromptReference> refs;
  for (std::size_t i = 0; i < c.reference_texts.size(); ++i)
    refs.push_back({c.reference_texts[i],
                    read_matrix(kGolden / ("prompt_" + c.name + "_ref" + std::to_string(i) + "_codes.npy"))});
  return refs;
}

TEST(Prompt, GoldenPromptsMatchUpstreamExactly) {
  std::vector<PromptCase> cases = golden_cases();
  ASSERT_GE(cases.size(), 6u);
  bool saw_two_references = false;
  for (const PromptCase& c : cases) {
    SCOPED_TRACE("case " + c.name + ": " + c.text);
    saw_two_references |= c.reference_texts.size() == 2;
    IntMatrix expected = read_matrix(kGolden / ("prompt_" + c.name + "_values.npy"));
    IntMatrix actual = build_prompt(fixture_tokenizer(), c.text, references_of(c), fixture_options());
    EXPECT_EQ(actual.rows, expected.rows);
    EXPECT_EQ(actual.cols, expected.cols);
    EXPECT_EQ(actual.values, expected.values);
  }
  EXPECT_TRUE(saw_two_references);
}

TEST(Prompt, LayoutOfReferenceFrames) {
  const Tokenizer& tok = fixture_tokenizer();
  const std::size_t codebooks = 3;
  IntMatrix codes{codebooks, 2, {7, 4095, 1, 2, 3, 4}};
  std::vector<PromptReference> refs{{"Hi", codes}};
  IntMatrix p = build_prompt(tok, "Yo", refs, {codebooks, 8192});
  ASSERT_EQ(p.rows, codebooks + 1);
  EXPECT_EQ(p.at(0, 0), tok.special_id("<|interleave|>"));
  const std::size_t speaker = tok.encode("<|speaker:0|>").size();
  const std::size_t hi = tok.encode("Hi").size();
  const std::size_t frame0 = 1 + speaker + hi;
  EXPECT_EQ(p.at(0, frame0), tok.semantic_begin_id() + 7);
  EXPECT_EQ(p.at(0, frame0 + 1), tok.semantic_begin_id() + 4095);
  for (std::size_t k = 0; k < codebooks; ++k) {
    EXPECT_EQ(p.at(k + 1, frame0), codes.at(k, 0));
    EXPECT_EQ(p.at(k + 1, frame0 + 1), codes.at(k, 1));
    EXPECT_EQ(p.at(k + 1, 0), 0);  // text positions carry no codes
  }
  EXPECT_EQ(p.at(0, frame0 + 2), tok.im_end_id());
  EXPECT_EQ(p.cols, frame0 + 3 + speaker + tok.encode("Yo").size());
}

TEST(Prompt, RejectsBadReferenceCodes) {
  const Tokenizer& tok = fixture_tokenizer();
  auto code_of = [&](IntMatrix codes, std::size_t codebooks) {
    std::vector<PromptReference> refs{{"x", std::move(codes)}};
    try {
      build_prompt(tok, "y", refs, {codebooks, 8192});
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(code_of(IntMatrix{2, 1, {0, 0}}, 3).find("2 rows"), std::string::npos);
  EXPECT_NE(code_of(IntMatrix{2, 1, {tok.semantic_count(), 0}}, 2).find("outside 0..4095"), std::string::npos);
  EXPECT_NE(code_of(IntMatrix{2, 1, {-1, 0}}, 2).find("semantic code -1"), std::string::npos);
  EXPECT_NE(code_of(IntMatrix{2, 1, {0, -3}}, 2).find("negative"), std::string::npos);
  EXPECT_NE(code_of(IntMatrix{2, 2, {0, 0, 0}}, 2).find("holds 3 values"), std::string::npos);
}

TEST(Prompt, LengthLimitIsMaxSeqLenMinus2048) {
  const Tokenizer& tok = fixture_tokenizer();
  const std::size_t length = build_prompt(tok, "Hello world.", {}, {10, 8192}).cols;
  // Exactly at the limit passes; one over fails with both numbers in the message.
  EXPECT_NO_THROW(build_prompt(tok, "Hello world.", {}, {10, length + kGenerationReserve}));
  try {
    build_prompt(tok, "Hello world.", {}, {10, length + kGenerationReserve - 1});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    const std::string msg = e.what();
    EXPECT_NE(msg.find(std::to_string(length) + " tokens"), std::string::npos) << msg;
    EXPECT_NE(msg.find("limit is " + std::to_string(length - 1)), std::string::npos) << msg;
  }
  // A long reference counts too: 6145 frames alone exceed the S1 limit of 6144.
  IntMatrix codes{10, 6145, std::vector<int32_t>(10 * 6145, 1)};
  std::vector<PromptReference> refs{{"r", codes}};
  EXPECT_THROW(build_prompt(tok, "t", refs, fixture_options()), Error);
}

// --- the CLI, end to end ---

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST(TokenizeCli, PrintsGoldenPromptIdsAndJsonMatrix) {
  for (const PromptCase& c : golden_cases()) {
    SCOPED_TRACE("case " + c.name);
    std::string args = "tokenize --model " + quote(kFixture.string()) + " --text " + quote(c.text);
    for (std::size_t i = 0; i < c.reference_texts.size(); ++i)
      args += " --prompt-text " + quote(c.reference_texts[i]) + " --prompt-tokens " +
              quote((kGolden / ("prompt_" + c.name + "_ref" + std::to_string(i) + "_codes.npy")).string());
    IntMatrix expected = read_matrix(kGolden / ("prompt_" + c.name + "_values.npy"));

    test::CliResult plain = test::run_cli(args);
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    std::string ids;
    for (std::size_t t = 0; t < expected.cols; ++t) ids += (t ? " " : "") + std::to_string(expected.at(0, t));
    EXPECT_EQ(plain.out, ids + "\n");

    test::CliResult json = test::run_cli(args + " --json");
    ASSERT_EQ(json.exit_code, 0) << json.err;
    nlohmann::json doc = nlohmann::json::parse(json.out);
    std::vector<int32_t> flat;
    for (const auto& row : doc["values"]) for (int32_t v : row.get<std::vector<int32_t>>()) flat.push_back(v);
    EXPECT_EQ(doc["values"].size(), expected.rows);
    EXPECT_EQ(flat, expected.values);
    EXPECT_EQ(doc["ids"].get<std::vector<int32_t>>(),
              std::vector<int32_t>(expected.values.begin(), expected.values.begin() + expected.cols));
    EXPECT_EQ(doc["semantic_begin_id"].get<int32_t>(), fixture_tokenizer().semantic_begin_id());
  }
}

TEST(TokenizeCli, RawIdsAndTextFileMatchTheLibrary) {
  nlohmann::json cases = read_json(kGolden / "tokenizer_cases.json");
  const auto file = std::filesystem::temp_directory_path() / ("fishtts-tok-" + std::to_string(::getpid()) + ".txt");
  int checked = 0;
  for (const auto& c : cases["cases"]) {
    const std::string text = c["text"].get<std::string>();
    if (text.empty() || checked >= 5) continue;
    std::ofstream(file, std::ios::binary) << text;
    test::CliResult r = test::run_cli("tokenize --raw --model " + quote(kFixture.string()) + " --text-file " +
                                      quote(file.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string expected;
    for (int32_t id : c["ids"].get<std::vector<int32_t>>()) expected += (expected.empty() ? "" : " ") + std::to_string(id);
    EXPECT_EQ(r.out, expected + "\n") << text;
    ++checked;
  }
  std::filesystem::remove(file);
  EXPECT_EQ(checked, 5);
}

TEST(TokenizeCli, ErrorsAreMessagesNotCrashes) {
  const std::string model = " --model " + quote(kFixture.string());
  test::CliResult unpaired = test::run_cli("tokenize" + model + " --text hi --prompt-text x");
  EXPECT_EQ(unpaired.exit_code, 1);
  EXPECT_NE(unpaired.err.find("--prompt-text"), std::string::npos) << unpaired.err;

  test::CliResult bad_utf8 = test::run_cli("tokenize" + model + " --text \"$(printf 'ab\\377')\"");
  EXPECT_EQ(bad_utf8.exit_code, 1);
  EXPECT_NE(bad_utf8.err.find("byte offset 2"), std::string::npos) << bad_utf8.err;

  test::CliResult missing = test::run_cli("tokenize --model /nonexistent --text hi");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace fishtts::text
