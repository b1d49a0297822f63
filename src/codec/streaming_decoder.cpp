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
  std::vector<float> samples;
  while (static_cast<int64_t>(pending_[0].size()) >= chunk_frames_) {
    std::vector<float> part = decode_buffered(chunk_frames_);
    samples.insert(samples.end(), part.begin(), part.end());
  }
  return samples;
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
