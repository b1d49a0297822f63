// Runs a small ONNX graph in ONNX Runtime for tests: session from serialized bytes or a file, named inputs
// as (shape, data), outputs returned as flat float vectors with their shapes.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "convert/graph_builder.h"
#include "ort/env.h"

namespace fishtts::test {

struct TensorIn {
  std::string name;
  std::vector<int64_t> shape;
  std::variant<std::vector<float>, std::vector<int64_t>, std::vector<int32_t>> data;
};

struct TensorOut {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

inline Ort::SessionOptions test_session_options(int threads = 1) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(threads);
  options.SetInterOpNumThreads(1);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  return options;
}

inline Ort::Session session_from_model(const onnx::ModelProto& model, int threads = 1) {
  const std::string bytes = convert::serialize_model(model);
  return Ort::Session(ort::env(), bytes.data(), bytes.size(), test_session_options(threads));
}

inline Ort::Session session_from_file(const std::string& path, int threads = 1) {
  return Ort::Session(ort::env(), path.c_str(), test_session_options(threads));
}

// Runs `session` on `inputs` and returns the float outputs `output_names` in order.
inline std::vector<TensorOut> run(Ort::Session& session, std::vector<TensorIn>& inputs,
                                  const std::vector<std::string>& output_names) {
  Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<Ort::Value> values;
  std::vector<const char*> in_names;
  for (TensorIn& in : inputs) {
    in_names.push_back(in.name.c_str());
    std::visit(
        [&](auto& vec) {
          using T = typename std::decay_t<decltype(vec)>::value_type;
          values.push_back(Ort::Value::CreateTensor<T>(mem, vec.data(), vec.size(), in.shape.data(), in.shape.size()));
        },
        in.data);
  }
  std::vector<const char*> out_names;
  for (const std::string& n : output_names) out_names.push_back(n.c_str());
  std::vector<Ort::Value> outs = session.Run(Ort::RunOptions{nullptr}, in_names.data(), values.data(), values.size(),
                                             out_names.data(), out_names.size());
  std::vector<TensorOut> result;
  for (Ort::Value& v : outs) {
    Ort::TensorTypeAndShapeInfo info = v.GetTensorTypeAndShapeInfo();
    TensorOut t;
    t.shape = info.GetShape();
    const float* p = v.GetTensorData<float>();
    t.data.assign(p, p + info.GetElementCount());
    result.push_back(std::move(t));
  }
  return result;
}

}  // namespace fishtts::test
