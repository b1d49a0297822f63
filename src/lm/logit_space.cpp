#include "lm/logit_space.h"

namespace fishtts::lm {

int32_t SlowLogitSpace::token_of(int32_t index) const {
  if (space == SampleSpace::kFull) return index;
  return index < semantic_count ? semantic_begin_id + index : im_end_id;
}

int32_t SlowLogitSpace::index_of(int32_t token) const {
  if (space == SampleSpace::kFull) return token >= 0 && token < vocab_size ? token : -1;
  if (is_semantic(token)) return token - semantic_begin_id;
  return token == im_end_id ? semantic_count : -1;
}

}  // namespace fishtts::lm
