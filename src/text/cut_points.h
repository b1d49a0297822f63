// Where the text splitter may cut a normalised text, and how good each place is.
#pragma once

#include <cstdint>
#include <vector>

#include "text/char_classes.h"
#include "text/normalized_text.h"
#include "text/protected_spans.h"

namespace fishtts::text {

// Ordered: a better reason compares greater.
enum class CutKind : uint8_t { kNone, kSpace, kClause, kSentence };

// kinds[c] (c in [0, size]) is the best reason to cut before chars[c]: kSentence after a sentence's end (with
// its closing quotes) or at a paragraph break, kClause after a clause mark, kSpace at a space. A cut inside a
// protected span is kNone. The rules are in text_splitter.h.
std::vector<CutKind> find_cut_points(const NormalizedText& text, const ProtectedSpans& spans,
                                     CharClassifier& classes);

}  // namespace fishtts::text
