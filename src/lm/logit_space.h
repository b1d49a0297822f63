// Which token each slow-logit index stands for, for either sample space (convert/sample_space.h).
#pragma once

#include <cstdint>

#include "convert/sample_space.h"

namespace fishtts::lm {

using convert::SampleSpace;

struct SlowLogitSpace {
  SampleSpace space = SampleSpace::kSemantic;
  int32_t vocab_size = 0;          // rows of the model's embedding / full head
  int32_t semantic_begin_id = 0;   // token id of <|semantic:0|>
  int32_t semantic_count = 0;      // number of semantic tokens (4096 for S1)
  int32_t im_end_id = 0;           // token id of <|im_end|>

  // Number of logits the slow head produces.
  int32_t size() const { return space == SampleSpace::kFull ? vocab_size : semantic_count + 1; }
  // Token id of a logit index.
  int32_t token_of(int32_t index) const;
  // Logit index of a token id, or -1 when this space has no logit for it.
  int32_t index_of(int32_t token) const;
  bool is_semantic(int32_t token) const {
    return token >= semantic_begin_id && token < semantic_begin_id + semantic_count;
  }
};

}  // namespace fishtts::lm
