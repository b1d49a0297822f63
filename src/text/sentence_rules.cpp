#include "text/sentence_rules.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace fishtts::text {
namespace {

struct Abbreviation {
  std::string_view word;
  bool needs_number;  // "No. 5" is one, "No. I won't." is not
};

// Periods inside an entry are kept ("Ph.D"); single-letter initialisms need no entry.
constexpr Abbreviation kAbbreviations[] = {
    {"Mr", false},    {"Mrs", false},  {"Ms", false},    {"Dr", false},   {"Prof", false}, {"Sr", false},
    {"Jr", false},    {"St", false},   {"Mt", false},    {"Gen", false},  {"Col", false},  {"Capt", false},
    {"Lt", false},    {"Sgt", false},  {"Rev", false},   {"Hon", false},  {"Gov", false},  {"Sen", false},
    {"Rep", false},   {"Pres", false}, {"Ph.D", false},  {"vs", false},   {"etc", false},  {"cf", false},
    {"al", false},    {"approx", false}, {"ca", false},  {"viz", false},  {"Inc", false},  {"Ltd", false},
    {"Co", false},    {"Corp", false}, {"Bros", false},  {"Ave", false},  {"Blvd", false}, {"Rd", false},
    {"Dept", false},  {"Jan", false},  {"Feb", false},   {"Aug", false},  {"Sept", false}, {"Oct", false},
    {"Nov", false},   {"Dec", false},  {"No", true},     {"Nos", true},   {"Fig", true},   {"Vol", true},
    {"pp", true},     {"ch", true},
};

bool ascii_upper(char32_t c) { return c >= 'A' && c <= 'Z'; }
bool ascii_lower(char32_t c) { return c >= 'a' && c <= 'z'; }

// "U.S", "e.g", "a.m", "U.S.A": one letter, then one or more ".x".
bool is_initialism(std::u32string_view word) {
  if (word.size() < 3 || word.size() % 2 == 0) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const bool want_period = i % 2 == 1;
    if ((word[i] == U'.') != want_period) return false;
  }
  return true;
}

bool in_table(std::string_view ascii, bool number_follows) {
  return std::any_of(std::begin(kAbbreviations), std::end(kAbbreviations), [&](const Abbreviation& a) {
    return a.word == ascii && (number_follows || !a.needs_number);
  });
}

}  // namespace

bool is_spaced_terminal(char32_t cp) {
  switch (cp) {
    case U'.': case U'!': case U'?': case U'\u2026': case U'\u203C': case U'\u2047': case U'\u2048':
    case U'\u2049': case U'\u0964': case U'\u0965': case U'\u061F': case U'\u06D4':
      return true;
    default:
      return false;
  }
}

bool is_unspaced_terminal(char32_t cp) {
  return cp == U'\u3002' || cp == U'\uFF01' || cp == U'\uFF1F' || cp == U'\uFF61';
}

bool is_closing(char32_t cp) {
  switch (cp) {
    case U'"': case U'\'': case U'\u201D': case U'\u2019': case U'\u00BB': case U'\u203A': case U')':
    case U']': case U'}': case U'\u300D': case U'\u300F': case U'\uFF09': case U'\u300B': case U'\u3009':
    case U'\u3011': case U'\u3015': case U'\uFF3D': case U'\uFF5D': case U'\uFF63': case U'\uFF02':
      return true;
    default:
      return false;
  }
}

bool is_spaced_clause_mark(char32_t cp) {
  return cp == U',' || cp == U';' || cp == U':' || cp == U'\u060C' || cp == U'\u061B';
}

bool is_unspaced_clause_mark(char32_t cp) {
  return cp == U'\u3001' || cp == U'\uFF0C' || cp == U'\uFF1B' || cp == U'\uFF1A' || cp == U'\u2014';
}

bool is_abbreviation(std::u32string_view word, bool number_follows) {
  if (word.size() == 1) return ascii_upper(word[0]) && word[0] != U'I';
  if (is_initialism(word)) return true;
  std::string ascii;
  for (const char32_t c : word) {
    if (c >= 0x80) return false;
    ascii += static_cast<char>(c);
  }
  if (ascii.empty()) return false;
  if (in_table(ascii, number_follows)) return true;
  // "Etc." or "Vs." starting a sentence.
  if (ascii.size() > 1 && ascii_upper(word[0]) && ascii_lower(word[1])) {
    ascii[0] = static_cast<char>(ascii[0] - 'A' + 'a');
    return in_table(ascii, number_follows);
  }
  return false;
}

}  // namespace fishtts::text
