#include "codec/codec_model.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "codec/chunk_state.h"
#include "codec/streaming_decoder.h"
#include "common/error.h"
#include "ort/env.h"
#include "ort/session_options.h"

namespace fishtts::codec {
namespace {

std::vector<float> tensor_floats(const Ort::Value& v) {
  const float* data = v.GetTensorData<float>();
  return {data, data + v.GetTensorTypeAndShapeInfo().GetElementCount()};
}

}  // namespace

std::shared_ptr<const CodecModel> CodecModel::load(const std::string& bundle_dir, const hw::EngineSettings& settings,
                                                   const CodecRunOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir(bundle_dir);
  const fs::path info_path = dir / "codec.json";
  std::ifstream in(info_path);
  if (!in) throw Error(ErrorCode::kNotFound, info_path.string() + ": not found (is this a converted bundle with a codec?)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, info_path.string() + ": " + e.what());
  }
  if (options.decode_chunk_frames <= 0 || options.encode_chunk_frames <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "codec chunk sizes must be positive, got decode " +
                                                 std::to_string(options.decode_chunk_frames) + ", encode " +
                                                 std::to_string(options.encode_chunk_frames));
  }
  auto model = std::shared_ptr<CodecModel>(new CodecModel());
  model->info_ = CodecInfo::from_json(j, info_path.string());
  model->options_ = options;
  model->bundle_dir_ = bundle_dir;
  model->settings_ = settings;
  // The process's one pool (ort/env.h), sized here unless made earlier: the sessions run on it as it is.
  model->settings_.intra_op_threads = ort::configure_env(settings);
  // A bundle without its encoder fails here, not at the first reference voice.
  const fs::path encoder = dir / model->info_.encode.file;
  if (!fs::exists(encoder)) throw Error(ErrorCode::kNotFound, encoder.string() + ": missing from the bundle");
  model->decode_ = model->open_session(model->info_.decode.file);
  return model;
}

std::unique_ptr<Ort::Session> CodecModel::open_session(const std::string& file) const {
  const std::filesystem::path p = std::filesystem::path(bundle_dir_) / file;
  if (!std::filesystem::exists(p)) throw Error(ErrorCode::kNotFound, p.string() + ": missing from the bundle");
  Ort::SessionOptions session_options = ort::make_session_options(settings_);
  try {
    return std::make_unique<Ort::Session>(ort::env(), p.c_str(), session_options);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kBadFormat, p.string() + ": ONNX Runtime cannot load it: " + e.what());
  }
}

Ort::Session& CodecModel::encode_session() const {
  std::lock_guard<std::mutex> lock(encode_mutex_);
  if (!encode_) encode_ = open_session(info_.encode.file);
  return *encode_;
}

bool CodecModel::encoder_loaded() const {
  std::lock_guard<std::mutex> lock(encode_mutex_);
  return encode_ != nullptr;
}

void CodecModel::check_codes(const text::IntMatrix& codes, int64_t first_frame) const {
  if (codes.rows != info_.num_codebooks()) {
    throw Error(ErrorCode::kInvalidArgument, "codes have " + std::to_string(codes.rows) + " rows, the codec needs " +
                                                 std::to_string(info_.num_codebooks()) + " (1 semantic + residual)");
  }
  if (codes.values.size() != codes.rows * codes.cols) {
    throw Error(ErrorCode::kInvalidArgument, "code matrix holds " + std::to_string(codes.values.size()) +
                                                 " values for a shape of " + std::to_string(codes.rows) + "x" +
                                                 std::to_string(codes.cols));
  }
  for (size_t r = 0; r < codes.rows; ++r) {
    for (size_t c = 0; c < codes.cols; ++c) {
      if (codes.at(r, c) < 0) {
        throw Error(ErrorCode::kInvalidArgument, "negative code " + std::to_string(codes.at(r, c)) + " at codebook " +
                                                     std::to_string(r) + ", frame " +
                                                     std::to_string(first_frame + static_cast<int64_t>(c)));
      }
    }
  }
  const int64_t end = first_frame + static_cast<int64_t>(codes.cols);
  if (end > info_.decode.max_frames) {
    throw Error(ErrorCode::kOutOfRange, "decoding " + std::to_string(end) + " frames exceeds the codec's position limit of " +
                                            std::to_string(info_.decode.max_frames) + " frames (" +
                                            std::to_string(info_.decode.max_frames * info_.frame_length / info_.sample_rate) +
                                            " s)");
  }
}

std::unique_ptr<StreamingDecoder> CodecModel::new_stream(int chunk_frames) const {
  return std::make_unique<StreamingDecoder>(*this, chunk_frames);
}

std::vector<float> CodecModel::decode(const text::IntMatrix& codes) const {
  check_codes(codes);
  // One graph call per decode_chunk_frames: activations stay cache-sized (the last stage of a 4096-frame call
  // would be 3 GB per tensor), and the output is the same whatever the split.
  StreamingDecoder stream(*this, options_.decode_chunk_frames);
  std::vector<float> samples;
  const int64_t chunk = options_.decode_chunk_frames;
  for (size_t start = 0; start < codes.cols; start += static_cast<size_t>(chunk)) {
    const std::vector<float> part = stream.push(codes.columns(start, std::min(static_cast<size_t>(chunk), codes.cols - start)));
    samples.insert(samples.end(), part.begin(), part.end());
  }
  std::vector<float> tail = stream.finish();
  samples.insert(samples.end(), tail.begin(), tail.end());
  return samples;
}

DecodeStages CodecModel::decode_stages(const text::IntMatrix& codes) const {
  check_codes(codes);
  if (codes.cols == 0) throw Error(ErrorCode::kInvalidArgument, "no frames to decode");
  std::vector<int64_t> values(codes.values.begin(), codes.values.end());
  const std::vector<int64_t> shape = {static_cast<int64_t>(codes.rows), static_cast<int64_t>(codes.cols)};
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Value input = Ort::Value::CreateTensor<int64_t>(cpu, values.data(), values.size(), shape.data(), shape.size());
  ChunkState state(info_.decode);
  std::vector<Ort::Value> out = state.run(*decode_, "codes", input, 0, {"zq", "post", "latent", "audio"});
  return {tensor_floats(out[0]), tensor_floats(out[1]), tensor_floats(out[2]), tensor_floats(out[3])};
}

namespace {

// The padded frame count of `samples`, after checking the input is usable.
int64_t encode_frames(const CodecInfo& info, std::span<const float> samples) {
  if (samples.empty()) throw Error(ErrorCode::kInvalidArgument, "no audio samples to encode");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!std::isfinite(samples[i])) {
      throw Error(ErrorCode::kInvalidArgument, "audio sample " + std::to_string(i) + " is not finite");
    }
  }
  const int64_t frames = (static_cast<int64_t>(samples.size()) + info.frame_length - 1) / info.frame_length;
  if (frames > info.encode.max_frames) {
    throw Error(ErrorCode::kOutOfRange,
                "audio of " + std::to_string(samples.size()) + " samples (" +
                    std::to_string(static_cast<double>(samples.size()) / static_cast<double>(info.sample_rate)) +
                    " s) needs " + std::to_string(frames) + " frames, over the codec's position limit of " +
                    std::to_string(info.encode.max_frames) + " frames");
  }
  return frames;
}

}  // namespace

text::IntMatrix CodecModel::encode(std::span<const float> samples) const {
  return encode_stages(samples).codes;
}

EncodeStages CodecModel::encode_stages(std::span<const float> samples) const {
  const int64_t frames = encode_frames(info_, samples);
  // Right-pad with zeros to whole frames (spec 5.3).
  std::vector<float> padded(static_cast<size_t>(frames * info_.frame_length), 0.0f);
  std::copy(samples.begin(), samples.end(), padded.begin());

  EncodeStages result;
  text::IntMatrix& codes = result.codes;
  codes.rows = info_.num_codebooks();
  codes.cols = static_cast<size_t>(frames);
  codes.values.resize(codes.rows * codes.cols);
  std::vector<std::vector<float>> latent_parts, pre_parts;
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Session& session = encode_session();
  ChunkState state(info_.encode);
  for (int64_t start = 0; start < frames; start += options_.encode_chunk_frames) {
    const int64_t n = std::min<int64_t>(options_.encode_chunk_frames, frames - start);
    const std::vector<int64_t> shape = {1, 1, n * info_.frame_length};
    Ort::Value input = Ort::Value::CreateTensor<float>(cpu, padded.data() + start * info_.frame_length,
                                                       static_cast<size_t>(shape[2]), shape.data(), shape.size());
    std::vector<Ort::Value> out = state.run(session, "audio", input, start, {"codes", "latent", "pre"});
    const int64_t* c = out[0].GetTensorData<int64_t>();
    for (size_t r = 0; r < codes.rows; ++r) {
      for (int64_t f = 0; f < n; ++f) codes.at(r, static_cast<size_t>(start + f)) = static_cast<int32_t>(c[r * n + f]);
    }
    latent_parts.push_back(tensor_floats(out[1]));
    pre_parts.push_back(tensor_floats(out[2]));
  }
  // Stages are channel-major per chunk: interleave the chunks back into [channels, steps].
  auto join = [&](const std::vector<std::vector<float>>& parts) {
    std::vector<float> all;
    size_t steps = 0;
    for (const auto& p : parts) steps += p.size() / static_cast<size_t>(info_.latent_dim);
    all.resize(steps * static_cast<size_t>(info_.latent_dim));
    size_t offset = 0;
    for (const auto& p : parts) {
      const size_t n = p.size() / static_cast<size_t>(info_.latent_dim);
      for (size_t ch = 0; ch < static_cast<size_t>(info_.latent_dim); ++ch) {
        std::copy(p.begin() + ch * n, p.begin() + (ch + 1) * n, all.begin() + ch * steps + offset);
      }
      offset += n;
    }
    return all;
  };
  result.latent = join(latent_parts);
  result.pre = join(pre_parts);
  return result;
}

}  // namespace fishtts::codec
