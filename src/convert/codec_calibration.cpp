#include "convert/codec_calibration.h"

#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "common/error.h"
#include "ort/env.h"
#include "ort/session_options.h"

namespace fishtts::convert {
namespace {

constexpr size_t kMaxSamplesPerCall = 65536;

// The values seen by one tensor: exact extremes and a strided sample for percentiles.
struct Recorded {
  float min = 0.0f, max = 0.0f;
  std::vector<float> sample;

  void add(const Ort::Value& value) {
    const float* data = value.GetTensorData<float>();
    const size_t n = value.GetTensorTypeAndShapeInfo().GetElementCount();
    const size_t stride = std::max<size_t>(1, n / kMaxSamplesPerCall);
    for (size_t i = 0; i < n; ++i) {
      min = std::min(min, data[i]);
      max = std::max(max, data[i]);
    }
    for (size_t i = 0; i < n; i += stride) sample.push_back(data[i]);
  }

  ValueRange range(double percentile) {
    if (percentile >= 100.0 || sample.empty()) return {min, max};
    const double tail = (1.0 - percentile / 100.0) * static_cast<double>(sample.size() - 1);
    const auto at = [&](size_t k) {
      std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k), sample.end());
      return sample[k];
    };
    const size_t lo = static_cast<size_t>(std::floor(tail));
    const size_t hi = sample.size() - 1 - lo;
    return {at(lo), at(hi)};
  }
};

std::vector<int64_t> calibration_codes(const checkpoint::CodecConfig& c, const CalibrationOptions& o) {
  std::mt19937 rng(o.seed);
  std::vector<int64_t> codes;  // [books, frames]
  for (int64_t book = 0; book <= c.n_codebooks; ++book) {
    std::uniform_int_distribution<int64_t> pick(0, (book == 0 ? c.semantic_codebook_size : c.codebook_size) - 1);
    for (int64_t f = 0; f < o.frames; ++f) codes.push_back(pick(rng));
  }
  return codes;
}

}  // namespace

ConvQuantization calibrate_decode(const CodecGraph& graph, const checkpoint::CodecConfig& config,
                                  const CalibrationOptions& options) {
  if (options.frames <= 0 || options.chunk_frames <= 0 || !(options.percentile > 50.0 && options.percentile <= 100.0)) {
    throw Error(ErrorCode::kInvalidArgument, "calibration: frames " + std::to_string(options.frames) + ", chunk " +
                                                 std::to_string(options.chunk_frames) + ", percentile " +
                                                 std::to_string(options.percentile) +
                                                 " (need positive counts and a percentile in (50, 100])");
  }
  // The graph with every conv's input and output as extra outputs.
  onnx::ModelProto model = graph.model;
  std::set<std::string> outputs_before, seen;
  for (const onnx::ValueInfoProto& out : model.graph().output()) outputs_before.insert(out.name());
  std::vector<std::string> taps;
  for (const ConvTap& conv : graph.convs) {
    for (const std::string& v : {conv.input, conv.output}) {
      if (!seen.insert(v).second) continue;
      taps.push_back(v);
      if (outputs_before.count(v) != 0) continue;
      onnx::ValueInfoProto* out = model.mutable_graph()->add_output();
      out->set_name(v);
      out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    }
  }
  const std::string bytes = serialize_model(model);
  model.Clear();
  Ort::SessionOptions session_options = ort::make_session_options({});
  std::unique_ptr<Ort::Session> session;
  try {
    session = std::make_unique<Ort::Session>(ort::env(), bytes.data(), bytes.size(), session_options);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kInternal,
                "calibration: ONNX Runtime cannot load the fp32 decode graph: " + std::string(e.what()));
  }

  // Chunked decode with the carried state, as codec::StreamingDecoder runs it.
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<Ort::Value> states;
  std::vector<const char*> in_names = {"codes", "start_frame"}, out_names;
  for (const std::string& t : taps) out_names.push_back(t.c_str());
  std::vector<std::vector<float>> zeros;
  for (const CodecState& s : graph.states) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    zeros.emplace_back(static_cast<size_t>(n), 0.0f);
    states.push_back(Ort::Value::CreateTensor<float>(cpu, zeros.back().data(), zeros.back().size(), s.shape.data(),
                                                     s.shape.size()));
    in_names.push_back(s.input.c_str());
    out_names.push_back(s.output.c_str());
  }
  const int64_t books = config.n_codebooks + 1;
  const std::vector<int64_t> all = calibration_codes(config, options);
  std::map<std::string, Recorded> recorded;
  for (int64_t start = 0; start < options.frames; start += options.chunk_frames) {
    const int64_t n = std::min(options.chunk_frames, options.frames - start);
    std::vector<int64_t> codes;
    for (int64_t b = 0; b < books; ++b) {
      codes.insert(codes.end(), all.begin() + b * options.frames + start, all.begin() + b * options.frames + start + n);
    }
    const std::vector<int64_t> shape = {books, n};
    int64_t start_frame = start, one = 1;
    std::vector<Ort::Value> inputs;
    inputs.push_back(Ort::Value::CreateTensor<int64_t>(cpu, codes.data(), codes.size(), shape.data(), 2));
    inputs.push_back(Ort::Value::CreateTensor<int64_t>(cpu, &start_frame, 1, &one, 1));
    for (Ort::Value& s : states) inputs.push_back(std::move(s));
    std::vector<Ort::Value> outputs;
    try {
      outputs = session->Run(Ort::RunOptions{nullptr}, in_names.data(), inputs.data(), inputs.size(),
                             out_names.data(), out_names.size());
    } catch (const Ort::Exception& e) {
      throw Error(ErrorCode::kInternal, "calibration: decode of frames " + std::to_string(start) + ".." +
                                            std::to_string(start + n) + " failed: " + e.what());
    }
    for (size_t i = 0; i < taps.size(); ++i) {
      recorded[taps[i]].add(outputs[i]);
    }
    states.clear();
    for (size_t i = taps.size(); i < outputs.size(); ++i) states.push_back(std::move(outputs[i]));
  }

  ConvQuantization ranges;
  for (const ConvTap& conv : graph.convs) {
    ranges[conv.name] = {recorded[conv.input].range(options.percentile),
                         recorded[conv.output].range(options.percentile)};
  }
  return ranges;
}

}  // namespace fishtts::convert
