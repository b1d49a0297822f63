#include "api/params.h"

#include <algorithm>
#include <cctype>
#include <span>
#include <string>

#include "audio/audio_io.h"
#include "common/error.h"

namespace fishtts::api {
namespace {

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorCode::kInvalidArgument, message); }

pipeline::ReferenceInput to_reference(const fishtts_reference& r, std::size_t index, int engine_rate) {
  const std::string name = "fishtts_synthesis_params.references[" + std::to_string(index) + "]";
  if (r.text == nullptr) bad(name + ".text is NULL");
  pipeline::ReferenceInput out;
  out.text = r.text;
  if (r.codes != nullptr) {
    if (r.num_codebooks == 0 || r.num_frames == 0) {
      bad(name + ": codes given with num_codebooks " + std::to_string(r.num_codebooks) + " and num_frames " +
          std::to_string(r.num_frames) + "; both must be positive");
    }
    out.codes.rows = r.num_codebooks;
    out.codes.cols = r.num_frames;
    out.codes.values.assign(r.codes, r.codes + r.num_codebooks * r.num_frames);
    return out;
  }
  if (r.samples == nullptr || r.num_samples == 0) bad(name + " has neither codes nor audio samples");
  if (r.sample_rate <= 0) bad(name + ".sample_rate is " + std::to_string(r.sample_rate) + "; must be positive");
  std::span<const float> samples(r.samples, r.num_samples);
  out.samples = r.sample_rate == engine_rate ? std::vector<float>(samples.begin(), samples.end())
                                             : audio::resample(samples, r.sample_rate, engine_rate);
  return out;
}

// "FISHTTS_CODEC_PRECISION_AUTO, _FP32, ...": the C constants, named from hw's one table of codec precisions.
std::string codec_precision_constants() {
  std::string out = "FISHTTS_CODEC_PRECISION_AUTO";
  for (std::string name : hw::codec_precision_names()) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
    out += ", _" + name;
  }
  return out;
}

}  // namespace

pipeline::EngineParams to_engine_params(const fishtts_engine_params& params) {
  pipeline::EngineParams p;
  if (params.model_path != nullptr) p.model_path = params.model_path;
  if (params.cache_dir != nullptr) p.cache_dir = params.cache_dir;
  if (params.threads < 0) bad("fishtts_engine_params.threads is " + std::to_string(params.threads) + "; 0 = auto");
  p.overrides.threads = params.threads;
  switch (params.precision) {
    case FISHTTS_PRECISION_AUTO: break;
    case FISHTTS_PRECISION_FP32: p.overrides.precision = hw::Precision::kFp32; break;
    case FISHTTS_PRECISION_INT8: p.overrides.precision = hw::Precision::kInt8; break;
    case FISHTTS_PRECISION_INT4: p.overrides.precision = hw::Precision::kInt4; break;
    default: bad("fishtts_engine_params.precision is " + std::to_string(params.precision) + "; expected 0..3");
  }
  switch (params.codec_precision) {
    case FISHTTS_CODEC_PRECISION_AUTO: break;
    case FISHTTS_CODEC_PRECISION_FP32: p.overrides.codec_precision = hw::CodecPrecision::kFp32; break;
    case FISHTTS_CODEC_PRECISION_BF16X3: p.overrides.codec_precision = hw::CodecPrecision::kBf16x3; break;
    case FISHTTS_CODEC_PRECISION_BF16: p.overrides.codec_precision = hw::CodecPrecision::kBf16; break;
    case FISHTTS_CODEC_PRECISION_INT8: p.overrides.codec_precision = hw::CodecPrecision::kInt8; break;
    default:
      bad("fishtts_engine_params.codec_precision is " + std::to_string(params.codec_precision) + "; expected " +
          codec_precision_constants());
  }
  switch (params.sample_space) {
    case FISHTTS_SAMPLE_SPACE_SEMANTIC: p.sample_space = convert::SampleSpace::kSemantic; break;
    case FISHTTS_SAMPLE_SPACE_FULL: p.sample_space = convert::SampleSpace::kFull; break;
    default: bad("fishtts_engine_params.sample_space is " + std::to_string(params.sample_space) + "; expected 0 or 1");
  }
  switch (params.block_size) {
    case 16: case 32: case 64: case 128: case 256: p.block_size = params.block_size; break;
    default:
      bad("fishtts_engine_params.block_size is " + std::to_string(params.block_size) +
          "; expected 16, 32, 64, 128 or 256");
  }
  return p;
}

pipeline::SynthesisRequest to_request(const fishtts_synthesis_params& params, int engine_rate) {
  if (params.text == nullptr) bad("fishtts_synthesis_params.text is NULL");
  if (params.num_references > 0 && params.references == nullptr) {
    bad("fishtts_synthesis_params.references is NULL but num_references is " + std::to_string(params.num_references));
  }
  pipeline::SynthesisRequest r;
  r.text = params.text;
  for (std::size_t i = 0; i < params.num_references; ++i) {
    r.references.push_back(to_reference(params.references[i], i, engine_rate));
  }
  lm::GenerationParams& g = r.generation;
  g.sampling.temperature = params.temperature;
  g.sampling.top_p = params.top_p;
  g.sampling.repetition_penalty = params.repetition_penalty;
  g.sampling.greedy = params.greedy != 0;
  if (params.max_new_tokens < 0) {
    bad("fishtts_synthesis_params.max_new_tokens is " + std::to_string(params.max_new_tokens) +
        "; 0 = up to the context end");
  }
  g.max_new_tokens = params.max_new_tokens;
  g.seed = params.seed;
  switch (params.penalty_history) {
    case FISHTTS_PENALTY_HISTORY_CORRECTED: g.history = lm::PenaltyHistory::kCorrected; break;
    case FISHTTS_PENALTY_HISTORY_UPSTREAM: g.history = lm::PenaltyHistory::kUpstream; break;
    default:
      bad("fishtts_synthesis_params.penalty_history is " + std::to_string(params.penalty_history) +
          "; expected 0 or 1");
  }
  g.validate();
  if (params.chunk_frames <= 0 || params.first_chunk_frames <= 0) {
    bad("fishtts_synthesis_params.chunk_frames (" + std::to_string(params.chunk_frames) +
        ") and first_chunk_frames (" + std::to_string(params.first_chunk_frames) + ") must be positive");
  }
  r.chunk_frames = params.chunk_frames;
  r.first_chunk_frames = params.first_chunk_frames;
  if (params.chunk_length != 0 && (params.chunk_length < static_cast<int>(text::kMinChunkLength) ||
                                   params.chunk_length > static_cast<int>(text::kMaxChunkLength))) {
    bad("fishtts_synthesis_params.chunk_length is " + std::to_string(params.chunk_length) + "; expected 0 or " +
        std::to_string(text::kMinChunkLength) + ".." + std::to_string(text::kMaxChunkLength));
  }
  r.chunk_length = static_cast<std::size_t>(params.chunk_length);
  return r;
}

}  // namespace fishtts::api
