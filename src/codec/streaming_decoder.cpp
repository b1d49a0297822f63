#include "codec/streaming_decoder.h"

#include "common/error.h"

namespace fishtts::codec {

StreamingDecoder::StreamingDecoder(const CodecModel& model, int chunk_frames)
    : model_(model), chunk_frames_(chunk_frames), state_(model.info().decode), pending_(model.info().num_codebooks()) {
  if (chunk_frames <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "streaming chunk must be at least 1 frame, got " + std::to_string(chunk_frames));
  }
}

std::vector<float> StreamingDecoder::push(const text::IntMatrix& frames) {
  model_.check_codes(frames, frames_pushed_);
  for (size_t r = 0; r < frames.rows; ++r) {
    for (size_t c = 0; c < frames.cols; ++c) pending_[r].push_back(frames.at(r, c));
  }
  frames_pushed_ += static_cast<int64_t>(frames.cols);
  // Every whole chunk buffered goes through in ONE graph call: per-call overhead made 1-frame calls cost 1.75x
  // as much per frame as 16-frame calls (bench-codec: rtf 1.37 vs 0.78), and the output does not depend on it.
  const auto pending = static_cast<int64_t>(pending_[0].size());
  const int64_t ready = pending - pending % chunk_frames_;
  return ready > 0 ? decode_buffered(ready) : std::vector<float>{};
}

std::vector<float> StreamingDecoder::finish() {
  if (pending_[0].empty()) return {};
  return decode_buffered(static_cast<int64_t>(pending_[0].size()));
}

std::vector<float> StreamingDecoder::decode_buffered(int64_t frames) {
  const size_t rows = pending_.size();
  std::vector<int64_t> values;
  values.reserve(rows * static_cast<size_t>(frames));
  for (auto& row : pending_) {
    values.insert(values.end(), row.begin(), row.begin() + frames);
    row.erase(row.begin(), row.begin() + frames);
  }
  const std::vector<int64_t> shape = {static_cast<int64_t>(rows), frames};
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Value input = Ort::Value::CreateTensor<int64_t>(cpu, values.data(), values.size(), shape.data(), shape.size());
  std::vector<Ort::Value> out = state_.run(model_.decode_session(), "codes", input, frames_decoded_, {"audio"});
  frames_decoded_ += frames;
  const float* data = out[0].GetTensorData<float>();
  return {data, data + out[0].GetTensorTypeAndShapeInfo().GetElementCount()};
}

}  // namespace fishtts::codec
