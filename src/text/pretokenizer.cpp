#define PCRE2_CODE_UNIT_WIDTH 8
#include "text/pretokenizer.h"

#include <pcre2.h>

#include <utility>

#include "common/error.h"

namespace fishtts::text {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buffer));
}

// Unicode White_Space (the set Rust's regex uses for \s), as the inside of a character class.
constexpr std::string_view kWhiteSpaceItems =
    R"(\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

}  // namespace

std::string with_rust_whitespace(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[++i];
      if (next == 's') {
        out += in_class ? std::string(kWhiteSpaceItems) : "[" + std::string(kWhiteSpaceItems) + "]";
      } else if (next == 'S') {
        if (in_class)
          throw Error(ErrorCode::kUnsupported, "pre-tokenizer pattern: \\S inside a character class at offset " +
                                                   std::to_string(i - 1) + " is not supported");
        out += "[^" + std::string(kWhiteSpaceItems) + "]";
      } else {
        out += c;
        out += next;
      }
      continue;
    }
    out += c;
    if (!in_class && c == '[') {
      in_class = true;
      // A ']' right after '[' or '[^' is a literal, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
    } else if (in_class && c == ']') {
      in_class = false;
    }
  }
  return out;
}

const char* const kFishPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d))"
    R"(|\p{P})"
    R"(|[^\r\n\p{L}\p{N}]?\p{L}+)"
    R"(|\p{N})"
    R"(| ?[^\s\p{L}\p{N}]+[\r\n]*)"
    R"(|\s*[\r\n]+)"
    R"(|\s+(\?!\S))"
    R"(|\s+)";

PreTokenizer::PreTokenizer(std::string pattern) : pattern_(std::move(pattern)) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  const std::string translated = with_rust_whitespace(pattern_);
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(), PCRE2_UTF | PCRE2_UCP,
                        &error, &error_offset, nullptr);
  if (!code_)
    throw Error(ErrorCode::kInvalidArgument, "pre-tokenizer pattern does not compile at offset " +
                                                 std::to_string(error_offset) + ": " + pcre2_message(error));
  // JIT makes matching several times faster; if the platform has no JIT, the interpreter gives the same result.
  pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);
}

PreTokenizer::~PreTokenizer() { pcre2_code_free(code_); }

PreTokenizer::PreTokenizer(PreTokenizer&& other) noexcept
    : pattern_(std::move(other.pattern_)), code_(std::exchange(other.code_, nullptr)) {}

PreTokenizer& PreTokenizer::operator=(PreTokenizer&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(code_);
    pattern_ = std::move(other.pattern_);
    code_ = std::exchange(other.code_, nullptr);
  }
  return *this;
}

PreTokenizer::Scratch::Scratch(const PreTokenizer& pre) : data_(pcre2_match_data_create_from_pattern(pre.code_, nullptr)) {
  if (!data_) throw Error(ErrorCode::kInternal, "pre-tokenizer: out of memory for PCRE2 match data");
}

PreTokenizer::Scratch::~Scratch() { pcre2_match_data_free(data_); }

void PreTokenizer::check_utf8(std::string_view text, Scratch& scratch) const {
  if (text.empty()) return;
  // pcre2_match validates the subject from the start offset to its end before matching (no look-behind in
  // the pattern), so one call from offset 0 checks the whole text; later calls skip the check.
  int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, scratch.get(), nullptr);
  if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
    throw Error(ErrorCode::kInvalidArgument, "text is not valid UTF-8 at byte offset " +
                                                 std::to_string(pcre2_get_startchar(scratch.get())) + ": " +
                                                 pcre2_message(rc));
  }
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
    throw Error(ErrorCode::kInternal, "pre-tokenizer match failed: " + pcre2_message(rc));
}

bool PreTokenizer::next_match(std::string_view text, std::size_t offset, Scratch& scratch, std::size_t& begin,
                              std::size_t& end) const {
  int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset, PCRE2_NO_UTF_CHECK,
                       scratch.get(), nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) throw Error(ErrorCode::kInternal, "pre-tokenizer match failed: " + pcre2_message(rc));
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.get());
  begin = ovector[0];
  end = ovector[1];
  if (end <= begin)
    throw Error(ErrorCode::kInternal, "pre-tokenizer pattern matched an empty string at byte " + std::to_string(begin));
  return true;
}

}  // namespace fishtts::text
