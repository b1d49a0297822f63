#include "lm/generate.h"

#include <chrono>

namespace fishtts::lm {

int kv_capacity_for(int prompt_positions, int max_new_tokens, int max_seq_len) {
  const int room = max_seq_len - prompt_positions;
  const int budget = (max_new_tokens <= 0 || max_new_tokens > room) ? room : max_new_tokens;
  return std::max(1, prompt_positions + budget);
}

text::IntMatrix generate_codes(const LlmModel& model, const text::IntMatrix& prompt, const GenerationParams& params,
                               GenerationStats* stats, const std::function<void(std::span<const int32_t>)>& on_frame) {
  using clock = std::chrono::steady_clock;
  const LlmInfo& info = model.info();
  const int t = static_cast<int>(prompt.cols);
  auto session = model.new_session(kv_capacity_for(t, params.max_new_tokens, info.max_seq_len));
  FrameGenerator gen(*session, info.layout, prompt, params);

  std::vector<std::vector<int32_t>> frames;
  std::vector<int32_t> frame;
  const auto start = clock::now();
  auto first_done = start;
  while (gen.next(frame)) {
    if (frames.empty()) first_done = clock::now();
    frames.push_back(frame);
    if (on_frame) on_frame(frame);
  }
  const auto end = clock::now();

  text::IntMatrix codes;
  codes.rows = static_cast<std::size_t>(info.num_codebooks);
  codes.cols = frames.size();
  codes.values.resize(codes.rows * codes.cols);
  for (std::size_t f = 0; f < frames.size(); ++f) {
    for (std::size_t k = 0; k < codes.rows; ++k) codes.at(k, f) = frames[f][k];
  }
  if (stats) {
    stats->prompt_positions = t;
    stats->frames = static_cast<int>(frames.size());
    stats->stopped_on_im_end = gen.stopped_on_im_end();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    stats->first_frame_ms = frames.empty() ? ms(end - start) : ms(first_done - start);
    stats->generate_ms = frames.empty() ? 0.0 : ms(end - first_done);
  }
  return codes;
}

}  // namespace fishtts::lm
