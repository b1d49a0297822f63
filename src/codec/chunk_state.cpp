#include "codec/chunk_state.h"

#include <algorithm>

#include "common/error.h"

namespace fishtts::codec {

ChunkState::ChunkState(const ChunkGraphInfo& info) : info_(info) {
  for (const StateInfo& s : info_.states) {
    state_inputs_.push_back(s.input.c_str());
    state_outputs_.push_back(s.output.c_str());
  }
  reset();
}

void ChunkState::reset() {
  Ort::AllocatorWithDefaultOptions allocator;
  states_.clear();
  for (const StateInfo& s : info_.states) {
    Ort::Value v = Ort::Value::CreateTensor<float>(allocator, s.shape.data(), s.shape.size());
    float* data = v.GetTensorMutableData<float>();
    std::fill(data, data + v.GetTensorTypeAndShapeInfo().GetElementCount(), 0.0f);
    states_.push_back(std::move(v));
  }
}

std::vector<Ort::Value> ChunkState::run(Ort::Session& session, const char* input_name, const Ort::Value& input,
                                        int64_t start_frame, const std::vector<const char*>& outputs) {
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  int64_t start_shape = 1;
  Ort::Value start = Ort::Value::CreateTensor<int64_t>(cpu, &start_frame, 1, &start_shape, 1);

  std::vector<const char*> in_names = {input_name, "start_frame"};
  in_names.insert(in_names.end(), state_inputs_.begin(), state_inputs_.end());
  std::vector<const OrtValue*> in_values = {input, start};
  for (const Ort::Value& s : states_) in_values.push_back(s);
  std::vector<const char*> out_names = outputs;
  out_names.insert(out_names.end(), state_outputs_.begin(), state_outputs_.end());

  std::vector<Ort::Value> results;
  try {
    std::vector<OrtValue*> out(out_names.size(), nullptr);
    Ort::ThrowOnError(Ort::GetApi().Run(session, nullptr, in_names.data(), in_values.data(), in_names.size(),
                                        out_names.data(), out_names.size(), out.data()));
    for (OrtValue* v : out) results.emplace_back(v);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kInternal, info_.file + ": ONNX Runtime run failed: " + e.what());
  }
  for (size_t i = 0; i < states_.size(); ++i) states_[i] = std::move(results[outputs.size() + i]);
  results.resize(outputs.size());
  return results;
}

}  // namespace fishtts::codec
