// The fixed inputs every benchmark run uses, so results from different runs and machines compare.
#pragma once

#include <vector>

#include "codec/codec_info.h"
#include "lm/llm_model.h"
#include "text/tokenizer.h"

namespace fishtts::cli::bench {

// The paragraph the generate and say workloads speak.
extern const char* const kParagraph;

// The S1 prompt of the paragraph.
text::IntMatrix paragraph_prompt(const text::Tokenizer& tokenizer, const lm::LlmInfo& info);
// A prompt of exactly `positions` columns: the paragraph repeated, cut at `positions`.
text::IntMatrix prompt_of_length(const text::Tokenizer& tokenizer, const lm::LlmInfo& info, int positions);

// `frames` frames of codes, uniformly random in each codebook's range (seeded).
text::IntMatrix random_codes(const codec::CodecInfo& info, int frames);
// `frames` frames of audio: a half-scale chirp from 80 Hz to 8 kHz.
std::vector<float> chirp(const codec::CodecInfo& info, int frames);

}  // namespace fishtts::cli::bench
