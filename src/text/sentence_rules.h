// The punctuation the text splitter cuts at, and its table of abbreviations.
#pragma once

#include <string_view>

namespace fishtts::text {

// . ! ? … and their relatives (‼ ⁇ ⁈ ⁉, Devanagari । ॥, Arabic ؟ ۔): end a sentence only before whitespace.
bool is_spaced_terminal(char32_t cp);
// 。！？｡: end a sentence before anything (CJK text has no spaces).
bool is_unspaced_terminal(char32_t cp);
// " ' ” ’ » › ) ] } 」 』 ） 》 〉 】 〕 and full-width forms: stay with the sentence or clause they close.
bool is_closing(char32_t cp);
// , ; : and Arabic ، ؛: end a clause only before whitespace.
bool is_spaced_clause_mark(char32_t cp);
// 、 ， ； ： and the em dash —: end a clause before anything.
bool is_unspaced_clause_mark(char32_t cp);

// True when `word` (the letters and periods before a period, without that period) is an abbreviation, so the
// period does not end a sentence: an entry of the table (Mr, Dr, etc, vs, No, Fig, ...; "No", "Fig", "Vol",
// "pp" only when a number follows), such an entry capitalised ("Etc"), a single capital letter other than "I"
// ("J. Smith"), or single letters joined by periods ("U.S", "e.g", "a.m", "U.S.A").
bool is_abbreviation(std::u32string_view word, bool number_follows);

}  // namespace fishtts::text
