#include "pipeline/synthesis.h"

#include <chrono>

#include "codec/streaming_decoder.h"
#include "convert/bundle.h"
#include "common/error.h"
#include "lm/generate.h"

namespace fishtts::pipeline {
namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Synthesis::Synthesis(std::shared_ptr<const Engine> engine, SynthesisRequest request)
    : engine_(std::move(engine)), request_(std::move(request)) {
  if (!engine_) throw Error(ErrorCode::kInvalidArgument, "synthesis needs an engine");
  if (request_.chunk_frames <= 0 || request_.first_chunk_frames <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "chunk sizes must be positive");
  }
  request_.generation.validate();
}

Synthesis::~Synthesis() = default;

void Synthesis::cancel() { cancelled_ = true; }  // the generator watches the flag; no other state is touched

void Synthesis::start() {
  started_at_ = now_ms();
  const lm::LlmInfo& info = engine_->llm().info();

  double t = now_ms();
  std::vector<text::PromptReference> refs;
  for (ReferenceInput& r : request_.references) {
    if (r.codes.values.empty()) {
      if (r.samples.empty()) throw Error(ErrorCode::kInvalidArgument, "a reference needs audio or codes");
      r.codes = engine_->codec().encode(r.samples);
    }
    refs.push_back({r.text, r.codes});
  }
  metrics_.reference_encode_ms = now_ms() - t;

  t = now_ms();
  std::size_t prefix_columns = 0;
  text::IntMatrix prompt = text::build_prompt(engine_->tokenizer(), request_.text, refs,
                                              {static_cast<std::size_t>(info.num_codebooks),
                                               static_cast<std::size_t>(info.max_seq_len)},
                                              &prefix_columns);
  metrics_.tokenize_ms = now_ms() - t;
  metrics_.prompt_positions = static_cast<int>(prompt.cols);

  // The codec decodes at most its position limit of frames: cap the budget (columns = frames + the dropped one)
  // instead of failing when generation reaches it.
  const auto codec_limit = static_cast<int>(engine_->codec().info().decode.max_frames);
  const int budget = lm::kv_capacity_for(static_cast<int>(prompt.cols), request_.generation.max_new_tokens,
                                         info.max_seq_len) - static_cast<int>(prompt.cols);
  if (codec_limit > 0 && budget > codec_limit + 1) request_.generation.max_new_tokens = codec_limit + 1;
  const int capacity = lm::kv_capacity_for(static_cast<int>(prompt.cols), request_.generation.max_new_tokens,
                                           info.max_seq_len);
  session_ = engine_->llm().new_session(capacity);
  generator_ = std::make_unique<lm::FrameGenerator>(*session_, info.layout, prompt, request_.generation, &cancelled_);
  if (!refs.empty() && prefix_columns > 0) {
    // The reference part of the prompt: reuse its KV from an earlier request, or save it for the next one.
    std::string columns;
    for (std::size_t r = 0; r < prompt.rows; ++r) {
      const int32_t* row = prompt.values.data() + r * prompt.cols;
      columns.append(reinterpret_cast<const char*>(row), prefix_columns * sizeof(int32_t));
    }
    prefix_key_ = convert::sha256_hex(columns);
    if (auto cached = engine_->prefix_cache().get(prefix_key_)) {
      generator_->use_prefix(cached);
      metrics_.reused_prefix_positions = cached->positions;
    } else {
      generator_->save_prefix_after_prefill(static_cast<int>(prefix_columns));
    }
  }
  decoder_ = engine_->codec().new_stream(1);
  started_ = true;
}

bool Synthesis::next(AudioChunk& chunk) {
  if (done_) return false;
  if (cancelled_) throw Error(ErrorCode::kCancelled, "synthesis cancelled");
  if (!started_) start();

  const auto codebooks = static_cast<std::size_t>(engine_->llm().info().num_codebooks);
  const int want = metrics_.frames == 0 ? request_.first_chunk_frames : request_.chunk_frames;
  text::IntMatrix frames;
  frames.rows = codebooks;
  std::vector<std::vector<int32_t>> got;
  std::vector<int32_t> frame;
  double t = now_ms();
  while (!generation_done_ && static_cast<int>(got.size()) < want) {
    if (!generator_->next(frame)) {
      generation_done_ = true;
      break;
    }
    got.push_back(frame);
    if (metrics_.frames + static_cast<int>(got.size()) == 1) metrics_.first_frame_ms = now_ms() - started_at_;
  }
  metrics_.generation_ms += now_ms() - t;
  if (!prefix_key_.empty() && generator_->saved_prefix()) {
    engine_->prefix_cache().put(prefix_key_, generator_->saved_prefix());
    prefix_key_.clear();
  }
  metrics_.frames += static_cast<int>(got.size());
  metrics_.stopped_on_im_end = generator_->stopped_on_im_end();

  frames.cols = got.size();
  frames.values.resize(frames.rows * frames.cols);
  for (std::size_t f = 0; f < got.size(); ++f) {
    for (std::size_t k = 0; k < codebooks; ++k) frames.at(k, f) = got[f][k];
  }
  t = now_ms();
  chunk.samples = frames.cols > 0 ? decoder_->push(frames) : std::vector<float>{};
  if (generation_done_) {
    std::vector<float> tail = decoder_->finish();
    chunk.samples.insert(chunk.samples.end(), tail.begin(), tail.end());
  }
  metrics_.decode_ms += now_ms() - t;

  chunk.is_last = generation_done_;
  done_ = generation_done_;
  metrics_.audio_seconds += static_cast<double>(chunk.samples.size()) / engine_->sample_rate();
  if (metrics_.time_to_first_audio_ms == 0 && !chunk.samples.empty()) {
    metrics_.time_to_first_audio_ms = now_ms() - started_at_;
  }
  metrics_.total_ms = now_ms() - started_at_;
  metrics_.peak_rss_bytes = peak_rss_bytes();
  return true;
}

}  // namespace fishtts::pipeline
