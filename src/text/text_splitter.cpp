#include "text/text_splitter.h"

#include <array>

#include "common/error.h"
#include "text/char_classes.h"
#include "text/cut_points.h"
#include "text/normalized_text.h"
#include "text/protected_spans.h"
#include "text/utf8.h"

namespace fishtts::text {
namespace {

// A grapheme cluster longer than this (in code points) is cut anyway.
constexpr std::size_t kMaxClusterLength = 32;

// The cut positions of each kind, asked for the last one in a window that only moves forward: linear overall.
class CutIndex {
 public:
  explicit CutIndex(const std::vector<CutKind>& kinds) {
    for (std::size_t c = 0; c < kinds.size(); ++c)
      if (kinds[c] != CutKind::kNone) positions_[static_cast<std::size_t>(kinds[c])].push_back(c);
  }

  // The last cut in (lo, hi] of the best kind found there; 0 if there is none. `hi` must never decrease.
  std::size_t best_in(std::size_t lo, std::size_t hi) {
    for (const CutKind kind : {CutKind::kSentence, CutKind::kClause, CutKind::kSpace}) {
      const auto k = static_cast<std::size_t>(kind);
      while (seen_[k] < positions_[k].size() && positions_[k][seen_[k]] <= hi) ++seen_[k];
      if (seen_[k] > 0 && positions_[k][seen_[k] - 1] > lo) return positions_[k][seen_[k] - 1];
    }
    return 0;
  }

 private:
  std::array<std::vector<std::size_t>, 4> positions_;
  std::array<std::size_t, 4> seen_{};  // per kind: how many positions are <= the last hi
};

// The paragraph breaks, asked for the first one in a window that only moves forward.
class ParagraphIndex {
 public:
  ParagraphIndex(const std::vector<std::size_t>& breaks, const ProtectedSpans& spans) {
    for (const std::size_t b : breaks)
      if (!spans.cuts_inside(b)) breaks_.push_back(b);
  }

  // The first break in (lo, hi), else hi. `lo` must never decrease.
  std::size_t first_in(std::size_t lo, std::size_t hi) {
    while (next_ < breaks_.size() && breaks_[next_] <= lo) ++next_;
    return next_ < breaks_.size() && breaks_[next_] < hi ? breaks_[next_] : hi;
  }

 private:
  std::vector<std::size_t> breaks_;
  std::size_t next_ = 0;
};

// A cut at a code point near `hi` for a window without any other place to cut: not before a combining mark or
// other cluster continuation, not inside a protected span (before it, or after it when it starts the chunk).
std::size_t hard_cut(std::u32string_view s, std::size_t p, std::size_t hi, const ProtectedSpans& spans,
                     CharClassifier& classes) {
  auto splits_cluster = [&](std::size_t c) {
    return classes.is(CharClass::kExtendsBefore, s[c]) || s[c - 1] == U'\u200D';
  };
  std::size_t c = hi;
  while (c > p + 1 && hi - c < kMaxClusterLength && splits_cluster(c)) --c;
  if (splits_cluster(c)) c = hi;
  if (spans.cuts_inside(c)) {
    const auto [begin, end] = spans.span_around(c);
    c = begin > p ? begin : end;
  }
  return c;
}

}  // namespace

std::vector<std::string> split_text(std::string_view text, const SplitOptions& options) {
  const std::size_t limit = options.chunk_length;
  if (limit < kMinChunkLength || limit > kMaxChunkLength)
    throw Error(ErrorCode::kInvalidArgument, "chunk_length " + std::to_string(limit) + " is outside [" +
                                                 std::to_string(kMinChunkLength) + ", " +
                                                 std::to_string(kMaxChunkLength) + "] characters");
  const NormalizedText normalized = normalize_text(text);
  const std::u32string_view s = normalized.chars;
  const ProtectedSpans spans(s, options.protected_strings);
  CharClassifier classes;
  CutIndex cuts(find_cut_points(normalized, spans, classes));
  ParagraphIndex paragraphs(normalized.paragraph_breaks, spans);

  std::vector<std::string> chunks;
  std::size_t p = 0;
  while (true) {
    while (p < s.size() && s[p] == U' ') ++p;
    if (p == s.size()) break;
    std::size_t c = s.size();
    if (s.size() - p > limit) {
      c = cuts.best_in(p, p + limit);
      if (c == 0) c = hard_cut(s, p, p + limit, spans, classes);
    }
    if (options.paragraph_ends_chunk) c = paragraphs.first_in(p, c);
    std::size_t end = c;
    while (s[end - 1] == U' ') --end;
    append_utf8(s.substr(p, end - p), chunks.emplace_back());
    p = c;
  }
  return chunks;
}

}  // namespace fishtts::text
