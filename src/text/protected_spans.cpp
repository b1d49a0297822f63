#include "text/protected_spans.h"

#include <algorithm>
#include <unordered_map>

#include "common/error.h"
#include "text/normalized_text.h"

namespace fishtts::text {
namespace {

std::u32string normalized_pattern(const std::string& text, std::size_t index) {
  try {
    return normalize_text(text).chars;
  } catch (const Error& e) {
    throw Error(e.code(), "protected string " + std::to_string(index) + ": " + e.what());
  }
}

}  // namespace

ProtectedSpans::ProtectedSpans(std::u32string_view chars, const std::vector<std::string>& strings)
    : state_(chars.size(), kFree) {
  std::vector<std::u32string> patterns;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    std::u32string pattern = normalized_pattern(strings[i], i);
    if (!pattern.empty()) patterns.push_back(std::move(pattern));
  }
  // Longest first, so the first match at a position is the longest one.
  std::sort(patterns.begin(), patterns.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::unordered_map<char32_t, std::vector<const std::u32string*>> by_first_char;
  for (const auto& pattern : patterns) by_first_char[pattern.front()].push_back(&pattern);

  for (std::size_t i = 0; i < chars.size();) {
    const auto candidates = by_first_char.find(chars[i]);
    const std::u32string* match = nullptr;
    if (candidates != by_first_char.end()) {
      for (const auto* pattern : candidates->second) {
        if (chars.substr(i, pattern->size()) == *pattern) {
          match = pattern;
          break;
        }
      }
    }
    if (!match) {
      ++i;
      continue;
    }
    spans_.emplace_back(i, i + match->size());
    state_[i] = kStart;
    std::fill(state_.begin() + static_cast<std::ptrdiff_t>(i + 1),
              state_.begin() + static_cast<std::ptrdiff_t>(i + match->size()), kInside);
    i += match->size();
  }
}

std::pair<std::size_t, std::size_t> ProtectedSpans::span_around(std::size_t c) const {
  // The last span starting at or before c.
  auto it = std::upper_bound(spans_.begin(), spans_.end(), c,
                             [](std::size_t pos, const auto& span) { return pos < span.first; });
  if (it == spans_.begin() || c >= std::prev(it)->second)
    throw Error(ErrorCode::kInternal, "text splitter: no protected span around position " + std::to_string(c));
  return *std::prev(it);
}

}  // namespace fishtts::text
