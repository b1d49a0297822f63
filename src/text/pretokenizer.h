// The regex pre-split of ordinary text into pieces, with PCRE2 in UTF + Unicode-property mode.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace fishtts::text {

// S1's FISH_TIKTOKEN_PATTERN (spec 4.2), verbatim, including quirk #7: "\s+(\?!\S)" is a capturing group that
// matches a literal "?!", not a look-ahead.
extern const char* const kFishPattern;

// Rewrites \s and \S of a Rust-regex pattern into explicit Unicode White_Space classes. Upstream runs the
// pattern with Rust's regex crate, where \s is exactly White_Space; PCRE2's \s additionally matches U+180E
// (no longer White_Space since Unicode 6.3), which would change ids for text containing it.
std::string with_rust_whitespace(std::string_view pattern);

class PreTokenizer {
 public:
  // Compiles (and JIT-compiles) the pattern once, after with_rust_whitespace(); the object is then safe to
  // share between threads.
  explicit PreTokenizer(std::string pattern = kFishPattern);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  // Per-call scratch space for matching; one per thread.
  class Scratch {
   public:
    explicit Scratch(const PreTokenizer& pre);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    pcre2_real_match_data_8* get() const { return data_; }

   private:
    pcre2_real_match_data_8* data_;
  };

  // Throws kInvalidArgument naming the byte offset of the first invalid UTF-8 sequence in `text`.
  void check_utf8(std::string_view text, Scratch& scratch) const;

  // Calls on_piece(std::string_view) for every match, left to right, like Rust regex find_iter (text between
  // matches is skipped; with this pattern every character belongs to some match). `text` must have passed
  // check_utf8 (or be a substring of such text that starts and ends on character boundaries).
  template <typename OnPiece>
  void split(std::string_view text, Scratch& scratch, OnPiece&& on_piece) const {
    std::size_t offset = 0;
    std::size_t begin = 0;
    std::size_t end = 0;
    while (offset < text.size() && next_match(text, offset, scratch, begin, end)) {
      on_piece(text.substr(begin, end - begin));
      offset = end;
    }
  }

  const std::string& pattern() const { return pattern_; }

 private:
  bool next_match(std::string_view text, std::size_t offset, Scratch& scratch, std::size_t& begin,
                  std::size_t& end) const;

  std::string pattern_;
  pcre2_real_code_8* code_ = nullptr;
};

}  // namespace fishtts::text
