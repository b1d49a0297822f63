#include "pipeline/chunk_context.h"

namespace fishtts::pipeline {

void ChunkContext::add(text::PromptReference segment, std::size_t columns) {
  segments_.push_back({std::move(segment), columns});
  // Drop what can no longer fit behind the newer segments, so memory stays flat over any number of chunks.
  std::size_t total = 0;
  std::size_t keep = 0;
  for (auto it = segments_.rbegin();
       it != segments_.rend() && keep < max_segments_ && total + it->columns <= budget_; ++it) {
    total += it->columns;
    ++keep;
  }
  while (segments_.size() > keep) segments_.pop_front();
}

std::vector<text::PromptReference> ChunkContext::select() const {
  std::vector<text::PromptReference> out;
  for (const Segment& s : segments_) out.push_back(s.reference);
  return out;
}

std::size_t ChunkContext::selected_columns() const {
  std::size_t total = 0;
  for (const Segment& s : segments_) total += s.columns;
  return total;
}

}  // namespace fishtts::pipeline
