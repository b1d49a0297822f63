// Model sizes the random-checkpoint writer knows: "tiny" (the fixture's sizes) and "s1-mini" (spec 1.2, 5.1).
#pragma once

#include <string>

#include "checkpoint/codec_config.h"
#include "checkpoint/llm_config.h"

namespace fishtts::checkpoint {

struct Preset {
  std::string name;
  LlmConfig llm;
  CodecConfig codec;
  int64_t bpe_ranks = 0;           // lines of tokenizer.tiktoken
  bool write_codec_config = true;  // the official folder has no codec_config.json
};

// Throws Error(kInvalidArgument) listing the known names.
Preset preset_by_name(const std::string& name);

// The vocabulary rows S1 allocates: ranks + 15 control tokens + codebook_size semantic tokens, rounded up
// to a multiple of 64 (S1-mini: 151643 + 4111 = 155754 -> 155776; the fixture: 784 + 4111 -> 4928).
int64_t vocab_rows(int64_t bpe_ranks, int64_t codebook_size);

}  // namespace fishtts::checkpoint
