#include "pipeline/rolling_decoder.h"

#include <algorithm>

#include "common/error.h"

namespace fishtts::pipeline {
namespace {

// Beyond the attention window, the convolutions after the transformer see a few frames back (their receptive
// field is ~6 frames for S1's decoder); this margin covers it with room to spare.
constexpr int64_t kConvMarginFrames = 16;

int64_t warmup_for(const codec::ChunkGraphInfo& decode, int64_t limit) {
  // Bundles from before the window was recorded: a quarter of the limit covers S1's 128-frame window 8 times.
  const int64_t wanted = decode.window_frames > 0 ? decode.window_frames + kConvMarginFrames : limit / 4;
  return std::min(wanted, limit / 2);
}

}  // namespace

RollingDecoder::RollingDecoder(const codec::CodecModel& model, int chunk_frames, int64_t frame_limit)
    : model_(model),
      chunk_frames_(chunk_frames),
      limit_(frame_limit > 0 ? std::min(frame_limit, model.info().decode.max_frames) : model.info().decode.max_frames),
      warmup_(warmup_for(model.info().decode, limit_)),
      current_(model.new_stream(chunk_frames)) {
  if (warmup_ < 1 || limit_ - warmup_ < 1) {
    throw Error(ErrorCode::kInvalidArgument, "codec frame limit " + std::to_string(limit_) + " leaves no room after a " +
                                                 std::to_string(warmup_) + "-frame warm-up");
  }
}

void RollingDecoder::hand_over(std::vector<float>& out) {
  std::vector<float> tail = current_->finish();
  out.insert(out.end(), tail.begin(), tail.end());
  current_ = model_.new_stream(chunk_frames_);
  // The warm-up rebuilds the conv tails and attention window; its samples were already emitted by the old decoder.
  current_->push(frames_to_matrix(recent_, model_.info().num_codebooks()));
  current_->finish();
  ++handovers_;
}

std::vector<float> RollingDecoder::push(const text::IntMatrix& frames) {
  std::vector<float> out;
  std::size_t done = 0;
  while (done < frames.cols) {
    if (current_->frames_pushed() >= limit_) hand_over(out);
    const std::size_t take =
        std::min<std::size_t>(frames.cols - done, static_cast<std::size_t>(limit_ - current_->frames_pushed()));
    text::IntMatrix part{frames.rows, take, std::vector<int32_t>(frames.rows * take)};
    for (std::size_t c = 0; c < take; ++c) {
      std::vector<int32_t> column(frames.rows);
      for (std::size_t r = 0; r < frames.rows; ++r) column[r] = part.at(r, c) = frames.at(r, done + c);
      recent_.push_back(std::move(column));
      if (static_cast<int64_t>(recent_.size()) > warmup_) recent_.pop_front();
    }
    std::vector<float> samples = current_->push(part);
    out.insert(out.end(), samples.begin(), samples.end());
    done += take;
  }
  frames_pushed_ += static_cast<int64_t>(frames.cols);
  return out;
}

std::vector<float> RollingDecoder::finish() { return current_->finish(); }

}  // namespace fishtts::pipeline
