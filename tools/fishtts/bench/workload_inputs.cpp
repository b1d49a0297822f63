#include "bench/workload_inputs.h"

#include <cmath>
#include <random>

#include "common/error.h"
#include "text/prompt.h"

namespace fishtts::cli::bench {

const char* const kParagraph =
    "The old lighthouse keeper climbed the spiral stairs every evening, counting each of the one hundred and "
    "twelve steps aloud. From the lamp room he could see the fishing boats returning across the bay, their "
    "lanterns swaying like fireflies over the dark water. He wrote the weather in a leather notebook: wind from "
    "the west, a light rain, and a sky that promised a calm morning.";

text::IntMatrix paragraph_prompt(const text::Tokenizer& tokenizer, const lm::LlmInfo& info) {
  return text::build_prompt(tokenizer, kParagraph, {},
                            {static_cast<std::size_t>(info.num_codebooks), static_cast<std::size_t>(info.max_seq_len)});
}

text::IntMatrix prompt_of_length(const text::Tokenizer& tokenizer, const lm::LlmInfo& info, int positions) {
  if (positions <= 0 || positions >= info.max_seq_len) {
    throw Error(ErrorCode::kInvalidArgument, "prefill length must be in [1, " + std::to_string(info.max_seq_len - 1) +
                                                 "], got " + std::to_string(positions));
  }
  std::string text = kParagraph;
  text::IntMatrix full = paragraph_prompt(tokenizer, info);
  while (full.cols < static_cast<std::size_t>(positions)) {
    text += std::string(" ") + kParagraph;
    full = text::build_prompt(tokenizer, text, {},
                              {static_cast<std::size_t>(info.num_codebooks), static_cast<std::size_t>(info.max_seq_len)});
  }
  text::IntMatrix cut;
  cut.rows = full.rows;
  cut.cols = static_cast<std::size_t>(positions);
  for (std::size_t r = 0; r < full.rows; ++r) {
    for (std::size_t c = 0; c < cut.cols; ++c) cut.values.push_back(full.at(r, c));
  }
  return cut;
}

text::IntMatrix random_codes(const codec::CodecInfo& info, int frames) {
  std::mt19937 rng(7);
  text::IntMatrix codes;
  codes.rows = info.num_codebooks();
  codes.cols = static_cast<std::size_t>(frames);
  for (std::size_t r = 0; r < codes.rows; ++r) {
    std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(info.codebook_sizes[r] - 1));
    for (int c = 0; c < frames; ++c) codes.values.push_back(pick(rng));
  }
  return codes;
}

std::vector<float> chirp(const codec::CodecInfo& info, int frames) {
  const double rate = static_cast<double>(info.sample_rate);
  std::vector<float> pcm(static_cast<std::size_t>(frames * info.frame_length));
  const double duration = static_cast<double>(pcm.size()) / rate;
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    pcm[i] = 0.5f * static_cast<float>(std::sin(2 * M_PI * (80 * t + (8000 - 80) * t * t / (2 * duration))));
  }
  return pcm;
}

}  // namespace fishtts::cli::bench
