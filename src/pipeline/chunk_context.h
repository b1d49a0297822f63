// Long-form synthesis (issue 11): what a chunk's prompt carries of the chunks before it. Each finished chunk (its
// text and generated codes) becomes a reference-like segment; a chunk's prompt gets the most recent whole segments
// that fit in a budget of prompt positions, so voice and prosody carry over while the prompt (and the per-frame
// attention cost, ~18 us per position on S1-mini) stays bounded whatever the length of the text.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "text/prompt.h"

namespace fishtts::pipeline {

class ChunkContext {
 public:
  ChunkContext(std::size_t budget_positions, std::size_t max_segments)
      : budget_(budget_positions), max_segments_(max_segments) {}

  // `columns` = the prompt columns the segment takes (text::reference_columns).
  void add(text::PromptReference segment, std::size_t columns);
  // The most recent segments (at most max_segments) whose columns sum to at most the budget, oldest first.
  std::vector<text::PromptReference> select() const;
  std::size_t selected_columns() const;

 private:
  struct Segment {
    text::PromptReference reference;
    std::size_t columns;
  };
  std::size_t budget_;
  std::size_t max_segments_;
  std::deque<Segment> segments_;  // only those that may still be selected
};

}  // namespace fishtts::pipeline
