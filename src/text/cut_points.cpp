#include "text/cut_points.h"

#include "text/sentence_rules.h"

namespace fishtts::text {
namespace {

// Longer letter-and-period words before a period are not looked up as abbreviations.
constexpr std::size_t kMaxAbbreviationLength = 8;

class CutScanner {
 public:
  CutScanner(std::u32string_view chars, const ProtectedSpans& spans, CharClassifier& classes)
      : s_(chars), spans_(spans), classes_(classes) {}

  // A word boundary follows position k: whitespace, the end, or a protected string (a special token).
  bool break_at(std::size_t k) const { return k == s_.size() || s_[k] == U' ' || spans_.starts_at(k); }

  std::size_t skip_closing(std::size_t k) const {
    while (k < s_.size() && is_closing(s_[k])) ++k;
    return k;
  }

  // The spaced terminal run s_[i, j), followed by closing marks up to k: does a sentence end at k?
  bool ends_sentence(std::size_t i, std::size_t j, std::size_t k) {
    if (!break_at(k)) return false;  // "3.14", "file.txt", the first period of "e.g."
    const bool word_follows = k + 1 < s_.size() && s_[k] == U' ';
    // A new sentence does not start in lowercase: "wait... then", "approx. five".
    if (word_follows && classes_.is(CharClass::kLowercase, s_[k + 1])) return false;
    if (j != i + 1 || s_[i] != U'.' || k != j) return true;
    std::size_t w = i;
    while (w > 0 && i - w <= kMaxAbbreviationLength && is_word_char(s_[w - 1])) --w;
    if (w > 0 && is_word_char(s_[w - 1])) return true;  // too long for an abbreviation
    const bool number_follows = word_follows && classes_.is(CharClass::kDigit, s_[k + 1]);
    return !is_abbreviation(s_.substr(w, i - w), number_follows);
  }

  bool between_digits(std::size_t i) {
    return i > 0 && i + 1 < s_.size() && classes_.is(CharClass::kDigit, s_[i - 1]) &&
           classes_.is(CharClass::kDigit, s_[i + 1]);
  }

 private:
  bool is_word_char(char32_t c) { return c == U'.' || classes_.is(CharClass::kLetter, c); }

  std::u32string_view s_;
  const ProtectedSpans& spans_;
  CharClassifier& classes_;
};

bool is_terminal(char32_t c) { return is_spaced_terminal(c) || is_unspaced_terminal(c); }

}  // namespace

std::vector<CutKind> find_cut_points(const NormalizedText& text, const ProtectedSpans& spans,
                                     CharClassifier& classes) {
  const std::u32string_view s = text.chars;
  const std::size_t n = s.size();
  std::vector<CutKind> kinds(n + 1, CutKind::kNone);
  auto raise = [&](std::size_t c, CutKind kind) {
    if (kind > kinds[c]) kinds[c] = kind;
  };
  CutScanner scan(s, spans, classes);
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t c = s[i];
    if (c == U' ') {
      raise(i, CutKind::kSpace);
    } else if (is_terminal(c)) {
      std::size_t j = i;
      bool unspaced = false;
      for (; j < n && is_terminal(s[j]); ++j) unspaced = unspaced || is_unspaced_terminal(s[j]);
      const std::size_t k = scan.skip_closing(j);
      if (unspaced || scan.ends_sentence(i, j, k)) raise(k, CutKind::kSentence);
      i = j - 1;  // on after the run
    } else if (is_spaced_clause_mark(c) || is_unspaced_clause_mark(c)) {
      const std::size_t k = scan.skip_closing(i + 1);
      // "1,000" and "10:30" stay whole.
      if (!scan.between_digits(i) && (is_unspaced_clause_mark(c) || scan.break_at(k))) raise(k, CutKind::kClause);
    }
  }
  for (const std::size_t p : text.paragraph_breaks) raise(p, CutKind::kSentence);
  for (std::size_t c = 0; c <= n; ++c)
    if (spans.cuts_inside(c)) kinds[c] = CutKind::kNone;
  return kinds;
}

}  // namespace fishtts::text
