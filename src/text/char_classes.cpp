#include "text/char_classes.h"

#include <string>

#include "text/utf8.h"

namespace fishtts::text {
namespace {

// Indexed by CharClass; compiled once, shared by all threads.
const std::array<PreTokenizer, 5>& class_patterns() {
  static const std::array<PreTokenizer, 5> patterns = {
      PreTokenizer(R"(\p{Lu})"), PreTokenizer(R"(\p{Ll})"), PreTokenizer(R"(\p{L})"), PreTokenizer(R"(\p{Nd})"),
      PreTokenizer(R"([\p{M}\x{200D}\x{1F3FB}-\x{1F3FF}])")};
  return patterns;
}

bool ascii_is(CharClass cls, char32_t c) {
  switch (cls) {
    case CharClass::kUppercase: return c >= 'A' && c <= 'Z';
    case CharClass::kLowercase: return c >= 'a' && c <= 'z';
    case CharClass::kLetter: return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    case CharClass::kDigit: return c >= '0' && c <= '9';
    case CharClass::kExtendsBefore: return false;
  }
  return false;
}

}  // namespace

CharClassifier::CharClassifier() {
  for (std::size_t i = 0; i < kClassCount; ++i)
    scratch_[i] = std::make_unique<PreTokenizer::Scratch>(class_patterns()[i]);
}

bool CharClassifier::is(CharClass cls, char32_t cp) {
  if (cp < 0x80) return ascii_is(cls, cp);
  const auto index = static_cast<std::size_t>(cls);
  std::string bytes;
  append_utf8(std::u32string_view(&cp, 1), bytes);
  bool matched = false;
  class_patterns()[index].split(bytes, *scratch_[index], [&](std::string_view) { matched = true; });
  return matched;
}

}  // namespace fishtts::text
