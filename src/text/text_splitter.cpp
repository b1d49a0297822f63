#include "text/text_splitter.h"

#include <algorithm>
#include <array>

#include "common/error.h"
#include "text/char_classes.h"
#include "text/cut_points.h"
#include "text/normalized_text.h"
#include "text/protected_spans.h"
#include "text/utf8.h"

namespace fishtts::text {
namespace {

// A cut at a clause mark leaves at least 1/kMinClauseShare of chunk_length.
constexpr std::size_t kMinClauseShare = 3;

// A grapheme cluster longer than this (in code points) is cut anyway.
constexpr std::size_t kMaxClusterLength = 32;

// The cut positions of each kind, sorted; each question is a binary search (one or two per chunk).
class CutIndex {
 public:
  CutIndex(const std::vector<CutKind>& kinds, const std::vector<std::size_t>& paragraph_breaks,
           const ProtectedSpans& spans) {
    for (std::size_t c = 0; c < kinds.size(); ++c)
      if (kinds[c] != CutKind::kNone) positions_[index(kinds[c])].push_back(c);
    for (const std::size_t b : paragraph_breaks)
      if (!spans.cuts_inside(b)) paragraphs_.push_back(b);
  }

  // The last cut in (lo, hi] of the best kind at least `worst` found there; 0 if there is none.
  std::size_t last_in(std::size_t lo, std::size_t hi, CutKind worst) const {
    for (const CutKind kind : {CutKind::kSentence, CutKind::kClause, CutKind::kSpace}) {
      if (kind < worst) break;
      const auto& v = positions_[index(kind)];
      const auto it = std::upper_bound(v.begin(), v.end(), hi);
      if (it != v.begin() && *std::prev(it) > lo) return *std::prev(it);
    }
    return 0;
  }

  // The first sentence end after `pos`, else `end`.
  std::size_t next_sentence_end(std::size_t pos, std::size_t end) const { return first_after(
      positions_[index(CutKind::kSentence)], pos, end); }

  // The first paragraph break after `pos`, else `end`.
  std::size_t next_paragraph_break(std::size_t pos, std::size_t end) const {
    return first_after(paragraphs_, pos, end);
  }

  // The space in (lo, hi] nearest to `target`, the later one on a tie; 0 if there is none.
  std::size_t space_nearest(std::size_t lo, std::size_t hi, std::size_t target) const {
    const auto& v = positions_[index(CutKind::kSpace)];
    const auto it = std::lower_bound(v.begin(), v.end(), target);
    std::size_t best = 0;
    if (it != v.end() && *it <= hi) best = *it;
    if (it != v.begin() && *std::prev(it) > lo && (best == 0 || target - *std::prev(it) < best - target))
      best = *std::prev(it);
    return best;
  }

 private:
  static std::size_t index(CutKind kind) { return static_cast<std::size_t>(kind); }
  static std::size_t first_after(const std::vector<std::size_t>& v, std::size_t pos, std::size_t end) {
    const auto it = std::upper_bound(v.begin(), v.end(), pos);
    return it == v.end() ? end : std::min(*it, end);
  }

  std::array<std::vector<std::size_t>, 4> positions_;
  std::vector<std::size_t> paragraphs_;
};

// A cut at a code point near `target` for a window without any other place to cut: not before a combining
// mark or other cluster continuation, not inside a protected span (before it, or after it when it starts the
// chunk).
std::size_t hard_cut(std::u32string_view s, std::size_t p, std::size_t target, const ProtectedSpans& spans,
                     CharClassifier& classes) {
  auto splits_cluster = [&](std::size_t c) {
    return classes.is(CharClass::kExtendsBefore, s[c]) || s[c - 1] == U'\u200D';
  };
  std::size_t c = target;
  while (c > p + 1 && target - c < kMaxClusterLength && splits_cluster(c)) --c;
  if (splits_cluster(c)) c = target;
  if (spans.cuts_inside(c)) {
    const auto [begin, end] = spans.span_around(c);
    c = begin > p ? begin : end;
  }
  return c;
}

}  // namespace

std::vector<std::string> split_text(std::string_view text, const SplitOptions& options) {
  const std::size_t chunk_limit = options.chunk_length;
  if (chunk_limit < kMinChunkLength || chunk_limit > kMaxChunkLength)
    throw Error(ErrorCode::kInvalidArgument, "chunk_length " + std::to_string(chunk_limit) + " is outside [" +
                                                 std::to_string(kMinChunkLength) + ", " +
                                                 std::to_string(kMaxChunkLength) + "] characters");
  const std::size_t first_limit = options.first_chunk_length == 0 ? chunk_limit : options.first_chunk_length;
  if (first_limit < kMinChunkLength || first_limit > chunk_limit)
    throw Error(ErrorCode::kInvalidArgument, "first_chunk_length " + std::to_string(first_limit) + " is outside [" +
                                                 std::to_string(kMinChunkLength) + ", chunk_length " +
                                                 std::to_string(chunk_limit) + "]");
  const NormalizedText normalized = normalize_text(text);
  const std::u32string_view s = normalized.chars;
  const ProtectedSpans spans(s, options.protected_strings);
  CharClassifier classes;
  const CutIndex cuts(find_cut_points(normalized, spans, classes), normalized.paragraph_breaks, spans);

  std::vector<std::string> chunks;
  std::size_t p = 0;
  while (true) {
    while (p < s.size() && s[p] == U' ') ++p;
    if (p == s.size()) break;
    const std::size_t limit = chunks.empty() ? first_limit : chunk_limit;
    std::size_t c = s.size();
    if (s.size() - p > limit) {
      // Any sentence end; a clause mark only past a third of the chunk, so "In Japan," is not a chunk of its own
      // (a chunk that short is spoken in a breath of its own, and costs a prefill) — else the spaces below.
      c = cuts.last_in(p, p + limit, CutKind::kSentence);
      if (c == 0) c = cuts.last_in(p + limit / kMinClauseShare, p + limit, CutKind::kClause);
    }
    if (c == 0) {
      // Only spaces, or nothing, to cut at: aim at an equal share of the rest of this sentence, so it becomes
      // pieces of about the same length rather than full pieces and a scrap of a few words at the end.
      const std::size_t rest = cuts.next_sentence_end(p + limit, s.size()) - p;
      const std::size_t pieces = (rest + limit - 1) / limit;
      const std::size_t target = p + (rest + pieces - 1) / pieces;
      c = cuts.space_nearest(p, p + limit, target);
      if (c == 0) c = hard_cut(s, p, target, spans, classes);
    }
    if (options.paragraph_ends_chunk) c = cuts.next_paragraph_break(p, c);
    std::size_t end = c;
    while (s[end - 1] == U' ') --end;
    append_utf8(s.substr(p, end - p), chunks.emplace_back());
    p = c;
  }
  return chunks;
}

}  // namespace fishtts::text
