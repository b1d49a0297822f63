// Where the protected strings (the tokenizer's special tokens) occur in a normalised text: the splitter never
// cuts inside one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fishtts::text {

class ProtectedSpans {
 public:
  // Finds the occurrences of `strings` in `chars`, left to right, the longest one where several start at the
  // same place, never overlapping. Each string is normalised like the text (whitespace runs become one space);
  // empty ones are ignored. Throws Error(kInvalidArgument) if one is not valid UTF-8. Cost: the text's length
  // times the number of strings sharing a first character, times their length in the worst case.
  ProtectedSpans(std::u32string_view chars, const std::vector<std::string>& strings);

  bool starts_at(std::size_t i) const { return state_[i] == kStart; }
  // Whether cutting before chars[c] would split a span.
  bool cuts_inside(std::size_t c) const { return c < state_.size() && state_[c] == kInside; }
  // The span [begin, end) that cuts_inside(c) found.
  std::pair<std::size_t, std::size_t> span_around(std::size_t c) const;

 private:
  enum State : uint8_t { kFree, kStart, kInside };
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // ascending, disjoint
  std::vector<State> state_;                               // per position of the text
};

}  // namespace fishtts::text
