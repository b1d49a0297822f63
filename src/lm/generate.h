// One whole generation (the upstream `generate` stage): prompt -> codes [num_codebooks, frames], with timings.
#pragma once

#include <functional>

#include "lm/frame_generator.h"
#include "lm/llm_model.h"

namespace fishtts::lm {

struct GenerationStats {
  int prompt_positions = 0;
  int frames = 0;
  bool stopped_on_im_end = false;
  double first_frame_ms = 0;  // prefill + the first two columns (a frame is out once the next one exists)
  double generate_ms = 0;     // everything after the first frame
  double ms_per_frame() const { return frames > 1 ? generate_ms / (frames - 1) : 0.0; }
};

// Positions a request needs in its KV cache: the prompt plus the generation budget (spec 3.4).
int kv_capacity_for(int prompt_positions, int max_new_tokens, int max_seq_len);

// Runs the decode loop to the end. `on_frame` (optional) sees each frame's codes as it is produced.
text::IntMatrix generate_codes(const LlmModel& model, const text::IntMatrix& prompt, const GenerationParams& params,
                               GenerationStats* stats = nullptr,
                               const std::function<void(std::span<const int32_t>)>& on_frame = {});

}  // namespace fishtts::lm
