// The exported fishtts_* functions (include/fishtts/fishtts.h): handles around pipeline::Engine and
// pipeline::Synthesis. Each body runs inside guard(), so no exception crosses into C.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/boundary.h"
#include "api/params.h"
#include "audio/audio_io.h"
#include "common/error.h"
#include "common/version.h"
#include "fishtts/fishtts.h"
#include "pipeline/engine.h"
#include "pipeline/reference_store.h"
#include "pipeline/stored_reference.h"
#include "pipeline/synthesis.h"

struct fishtts_engine {
  std::shared_ptr<const fishtts::pipeline::Engine> engine;
  std::unique_ptr<fishtts::pipeline::ReferenceStore> references;  // for reference_id; thread-safe on its own
  std::string warnings;  // backing storage of fishtts_engine_info's strings
};

struct fishtts_synthesis {
  std::unique_ptr<fishtts::pipeline::Synthesis> synthesis;
  fishtts::pipeline::AudioChunk chunk;  // the chunk handed out last: its memory stays valid until the next call
  bool finished = false;
  double stored_reference_ms = 0;  // reading (and on first use encoding) reference_id's clips at start
  // A failed next() leaves the request half way through: later calls repeat the failure instead of resuming.
  fishtts_status failed = FISHTTS_OK;
  std::string failed_message;
};

using fishtts::Error;
using fishtts::ErrorCode;
using fishtts::api::guard;
using fishtts::api::require;

namespace {

// A malloc'd copy for the C caller (released by fishtts_free, i.e. free()).
template <class T>
T* c_array_copy(const std::vector<T>& values) {
  T* out = static_cast<T*>(std::malloc(std::max<std::size_t>(values.size(), 1) * sizeof(T)));
  if (out == nullptr) throw Error(ErrorCode::kInternal, "out of memory for " + std::to_string(values.size()) + " values");
  std::copy(values.begin(), values.end(), out);
  return out;
}

}  // namespace

extern "C" {

const char* fishtts_status_name(fishtts_status status) {
  if (status == FISHTTS_OK) return "ok";
  if (status < FISHTTS_INVALID_ARGUMENT || status > FISHTTS_ALREADY_EXISTS) return "unknown status";
  return fishtts::error_code_name(static_cast<ErrorCode>(status));
}

const char* fishtts_version(void) { return fishtts::version(); }

fishtts_engine_params fishtts_engine_default_params(void) {
  const fishtts::pipeline::EngineParams defaults;
  fishtts_engine_params p{};
  p.model_path = nullptr;
  p.cache_dir = nullptr;
  p.threads = defaults.overrides.threads;
  p.precision = FISHTTS_PRECISION_AUTO;
  p.sample_space = FISHTTS_SAMPLE_SPACE_SEMANTIC;
  p.block_size = static_cast<int>(defaults.block_size);
  p.log_callback = nullptr;
  p.log_user_data = nullptr;
  p.references_dir = nullptr;
  p.codec_precision = FISHTTS_CODEC_PRECISION_AUTO;
  return p;
}

fishtts_status fishtts_engine_create(const fishtts_engine_params* params, fishtts_engine** out) {
  if (out != nullptr) *out = nullptr;
  return guard([&] {
    require(params, "fishtts_engine_create: params");
    require(out, "fishtts_engine_create: out");
    fishtts::pipeline::LogFn log;
    if (params->log_callback != nullptr) {
      log = [callback = params->log_callback, user = params->log_user_data](const std::string& line) {
        callback(line.c_str(), user);
      };
    }
    auto handle = std::make_unique<fishtts_engine>();
    handle->engine = fishtts::pipeline::Engine::create(fishtts::api::to_engine_params(*params), log);
    fishtts::pipeline::ReferenceStoreOptions store_options;
    store_options.sample_rate = handle->engine->sample_rate();
    handle->references = std::make_unique<fishtts::pipeline::ReferenceStore>(
        params->references_dir != nullptr && *params->references_dir != '\0'
            ? std::filesystem::path(params->references_dir)
            : fishtts::pipeline::ReferenceStore::default_root(),
        store_options);
    for (const std::string& w : handle->engine->load_info().warnings) {
      if (log) log("warning: " + w);
      handle->warnings += (handle->warnings.empty() ? "" : "\n") + w;
    }
    *out = handle.release();
  });
}

void fishtts_engine_free(fishtts_engine* engine) { delete engine; }

int fishtts_engine_sample_rate(const fishtts_engine* engine) {
  return engine != nullptr ? engine->engine->sample_rate() : 0;
}

fishtts_status fishtts_engine_get_info(const fishtts_engine* engine, fishtts_engine_info* info) {
  return guard([&] {
    require(engine, "fishtts_engine_get_info: engine");
    require(info, "fishtts_engine_get_info: info");
    const fishtts::pipeline::EngineLoadInfo& load = engine->engine->load_info();
    info->bundle_dir = load.bundle_dir.c_str();
    info->precision = load.precision.c_str();
    info->warnings = engine->warnings.c_str();
    info->demo_model = load.demo_model ? 1 : 0;
    info->converted = load.converted ? 1 : 0;
    info->convert_seconds = load.convert_seconds;
    info->load_seconds = load.load_seconds;
    info->threads = load.settings.intra_op_threads;
    info->sample_rate = engine->engine->sample_rate();
    // The loaded bundle's (codec.json): a ready bundle folder keeps its precision whatever the params asked.
    info->codec_precision = engine->engine->codec().info().precision.c_str();
  });
}

fishtts_status fishtts_codec_encode(const fishtts_engine* engine, const float* samples, size_t num_samples,
                                    int sample_rate, int32_t** codes, size_t* num_codebooks, size_t* num_frames) {
  if (codes != nullptr) *codes = nullptr;
  return guard([&] {
    require(engine, "fishtts_codec_encode: engine");
    require(samples, "fishtts_codec_encode: samples");
    require(codes, "fishtts_codec_encode: codes");
    require(num_codebooks, "fishtts_codec_encode: num_codebooks");
    require(num_frames, "fishtts_codec_encode: num_frames");
    if (num_samples == 0) throw Error(ErrorCode::kInvalidArgument, "fishtts_codec_encode: no samples to encode");
    if (sample_rate <= 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "fishtts_codec_encode: sample_rate is " + std::to_string(sample_rate) + "; must be positive");
    }
    const int rate = engine->engine->sample_rate();
    std::span<const float> input(samples, num_samples);
    const fishtts::text::IntMatrix result =
        sample_rate == rate ? engine->engine->codec().encode(input)
                            : engine->engine->codec().encode(fishtts::audio::resample(input, sample_rate, rate));
    *codes = c_array_copy(result.values);
    *num_codebooks = result.rows;
    *num_frames = result.cols;
  });
}

fishtts_status fishtts_codec_decode(const fishtts_engine* engine, const int32_t* codes, size_t num_codebooks,
                                    size_t num_frames, float** samples, size_t* num_samples) {
  if (samples != nullptr) *samples = nullptr;
  return guard([&] {
    require(engine, "fishtts_codec_decode: engine");
    require(codes, "fishtts_codec_decode: codes");
    require(samples, "fishtts_codec_decode: samples");
    require(num_samples, "fishtts_codec_decode: num_samples");
    if (num_frames == 0) throw Error(ErrorCode::kInvalidArgument, "fishtts_codec_decode: no frames to decode");
    // Checked before the copy, so a wrong count cannot make the copy read past the caller's array.
    const std::size_t expected = engine->engine->codec().info().num_codebooks();
    if (num_codebooks != expected) {
      throw Error(ErrorCode::kInvalidArgument, "fishtts_codec_decode: num_codebooks is " +
                                                   std::to_string(num_codebooks) + ", the codec needs " +
                                                   std::to_string(expected));
    }
    fishtts::text::IntMatrix matrix;
    matrix.rows = num_codebooks;
    matrix.cols = num_frames;
    matrix.values.assign(codes, codes + num_codebooks * num_frames);
    const std::vector<float> audio = engine->engine->codec().decode(matrix);
    *samples = c_array_copy(audio);
    *num_samples = audio.size();
  });
}

void fishtts_free(void* array) { std::free(array); }

fishtts_synthesis_params fishtts_synthesis_default_params(void) {
  const fishtts::pipeline::SynthesisRequest defaults;
  const fishtts::lm::GenerationParams& g = defaults.generation;
  fishtts_synthesis_params p{};
  p.text = nullptr;
  p.references = nullptr;
  p.num_references = 0;
  p.reference_id = nullptr;
  p.temperature = g.sampling.temperature;
  p.top_p = g.sampling.top_p;
  p.repetition_penalty = g.sampling.repetition_penalty;
  p.greedy = g.sampling.greedy ? 1 : 0;
  p.max_new_tokens = g.max_new_tokens;
  p.seed = g.seed;
  p.penalty_history = g.history == fishtts::lm::PenaltyHistory::kUpstream ? FISHTTS_PENALTY_HISTORY_UPSTREAM
                                                                          : FISHTTS_PENALTY_HISTORY_CORRECTED;
  p.chunk_frames = defaults.chunk_frames;
  p.first_chunk_frames = defaults.first_chunk_frames;
  p.chunk_length = static_cast<int>(defaults.chunk_length);
  return p;
}

fishtts_status fishtts_synthesis_start(fishtts_engine* engine, const fishtts_synthesis_params* params,
                                       fishtts_synthesis** out) {
  if (out != nullptr) *out = nullptr;
  return guard([&] {
    require(engine, "fishtts_synthesis_start: engine");
    require(params, "fishtts_synthesis_start: params");
    require(out, "fishtts_synthesis_start: out");
    fishtts::pipeline::SynthesisRequest request = fishtts::api::to_request(*params, engine->engine->sample_rate());
    auto handle = std::make_unique<fishtts_synthesis>();
    if (params->reference_id != nullptr && *params->reference_id != '\0') {
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<fishtts::pipeline::ReferenceInput> stored =
          fishtts::pipeline::stored_reference(*engine->engine, *engine->references, params->reference_id);
      request.references.insert(request.references.begin(), std::make_move_iterator(stored.begin()),
                                std::make_move_iterator(stored.end()));
      handle->stored_reference_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    handle->synthesis = std::make_unique<fishtts::pipeline::Synthesis>(engine->engine, std::move(request));
    *out = handle.release();
  });
}

fishtts_status fishtts_synthesis_next(fishtts_synthesis* synth, const float** samples, size_t* count, int* is_last) {
  if (samples != nullptr) *samples = nullptr;
  if (count != nullptr) *count = 0;
  if (is_last != nullptr) *is_last = 0;
  return guard([&] {
    require(synth, "fishtts_synthesis_next: synth");
    require(samples, "fishtts_synthesis_next: samples");
    require(count, "fishtts_synthesis_next: count");
    require(is_last, "fishtts_synthesis_next: is_last");
    // fishtts_status mirrors ErrorCode value for value (boundary.cpp), so the recorded failure converts back.
    if (synth->failed != FISHTTS_OK) throw Error(static_cast<ErrorCode>(synth->failed), synth->failed_message);
    if (synth->finished) {
      throw Error(ErrorCode::kOutOfRange, "fishtts_synthesis_next: the synthesis has ended (its last chunk was "
                                          "already returned)");
    }
    try {
      if (!synth->synthesis->next(synth->chunk)) {
        throw Error(ErrorCode::kInternal, "synthesis ended without a chunk marked last");
      }
    } catch (...) {
      synth->failed = fishtts::api::status_from_current_exception();
      synth->failed_message = fishtts_last_error();
      throw;
    }
    synth->finished = synth->chunk.is_last;
    *samples = synth->chunk.samples.empty() ? nullptr : synth->chunk.samples.data();
    *count = synth->chunk.samples.size();
    *is_last = synth->chunk.is_last ? 1 : 0;
  });
}

fishtts_status fishtts_synthesis_cancel(fishtts_synthesis* synth) {
  return guard([&] {
    require(synth, "fishtts_synthesis_cancel: synth");
    synth->synthesis->cancel();
  });
}

fishtts_status fishtts_synthesis_metrics(const fishtts_synthesis* synth, fishtts_metrics* metrics) {
  return guard([&] {
    require(synth, "fishtts_synthesis_metrics: synth");
    require(metrics, "fishtts_synthesis_metrics: metrics");
    const fishtts::pipeline::SynthesisMetrics& m = synth->synthesis->metrics();
    metrics->tokenize_ms = m.tokenize_ms;
    metrics->reference_encode_ms = m.reference_encode_ms + synth->stored_reference_ms;
    metrics->first_frame_ms = m.first_frame_ms;
    metrics->generation_ms = m.generation_ms;
    metrics->decode_ms = m.decode_ms;
    metrics->total_ms = m.total_ms;
    metrics->time_to_first_audio_ms = m.time_to_first_audio_ms;
    metrics->ms_per_frame = m.ms_per_frame();
    metrics->rtf = m.rtf();
    metrics->audio_seconds = m.audio_seconds;
    metrics->prompt_positions = m.prompt_positions;
    metrics->frames = m.frames;
    metrics->stopped_on_im_end = m.stopped_on_im_end ? 1 : 0;
    metrics->peak_rss_bytes = m.peak_rss_bytes;
    metrics->text_chunks = m.text_chunks;
  });
}

void fishtts_synthesis_free(fishtts_synthesis* synth) { delete synth; }

}  // extern "C"
