// Unicode general-category questions about single code points, answered by PCRE2's Unicode tables (through
// PreTokenizer, the project's compiled UTF + UCP regex) rather than a hand-made table. ASCII is answered
// directly. One object per thread: it owns the match scratch space.
#pragma once

#include <array>
#include <memory>

#include "text/pretokenizer.h"

namespace fishtts::text {

enum class CharClass {
  kUppercase,      // \p{Lu}
  kLowercase,      // \p{Ll}
  kLetter,         // \p{L}
  kDigit,          // \p{Nd}
  kExtendsBefore,  // continues the grapheme cluster before it: a mark \p{M}, ZWJ, an emoji skin-tone modifier
};

class CharClassifier {
 public:
  CharClassifier();
  bool is(CharClass cls, char32_t cp);

 private:
  static constexpr std::size_t kClassCount = 5;
  std::array<std::unique_ptr<PreTokenizer::Scratch>, kClassCount> scratch_;
};

}  // namespace fishtts::text
