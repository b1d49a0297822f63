#include "text/normalized_text.h"

#include "text/pretokenizer.h"
#include "text/utf8.h"

namespace fishtts::text {
namespace {

// with_rust_whitespace makes \s exactly Unicode White_Space, as in the tokenizer's pre-split.
const PreTokenizer& space_runs() {
  static const PreTokenizer pattern(R"([\s\p{Cc}]+)");
  return pattern;
}

bool is_blank_line(std::string_view run) {
  int line_breaks = 0;
  for (std::size_t i = 0; i < run.size(); ++i) {
    if (run[i] == '\n') {
      ++line_breaks;
    } else if (run[i] == '\r') {
      ++line_breaks;
      if (i + 1 < run.size() && run[i + 1] == '\n') ++i;
    } else if (run.substr(i, 3) == "\u2028") {
      ++line_breaks;
    } else if (run.substr(i, 3) == "\u2029") {
      line_breaks += 2;
    }
  }
  return line_breaks >= 2;
}

}  // namespace

NormalizedText normalize_text(std::string_view text) {
  NormalizedText out;
  out.chars.reserve(text.size());
  PreTokenizer::Scratch scratch(space_runs());
  space_runs().check_utf8(text, scratch);
  std::size_t offset = 0;
  space_runs().split(text, scratch, [&](std::string_view run) {
    const auto begin = static_cast<std::size_t>(run.data() - text.data());
    append_code_points(text.substr(offset, begin - offset), out.chars);
    offset = begin + run.size();
    if (out.chars.empty() || offset == text.size()) return;  // trimmed
    if (is_blank_line(run)) out.paragraph_breaks.push_back(out.chars.size());
    out.chars.push_back(U' ');
  });
  append_code_points(text.substr(offset), out.chars);
  return out;
}

}  // namespace fishtts::text
