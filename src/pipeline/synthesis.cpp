#include "pipeline/synthesis.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"
#include "convert/bundle.h"
#include "lm/generate.h"
#include "pipeline/text_chunks.h"
#include "text/utf8.h"

namespace fishtts::pipeline {
namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Hash of the prompt's first `columns` columns: the key of their KV in the engine's prefix cache.
std::string prefix_key(const text::IntMatrix& prompt, std::size_t columns) {
  std::string bytes;
  for (std::size_t r = 0; r < prompt.rows; ++r) {
    const int32_t* row = prompt.values.data() + r * prompt.cols;
    bytes.append(reinterpret_cast<const char*>(row), columns * sizeof(int32_t));
  }
  return convert::sha256_hex(bytes);
}

text::PromptOptions prompt_options(const lm::LlmInfo& info) {
  return {static_cast<std::size_t>(info.num_codebooks), static_cast<std::size_t>(info.max_seq_len)};
}

}  // namespace

Synthesis::Synthesis(std::shared_ptr<const Engine> engine, SynthesisRequest request)
    : engine_(std::move(engine)), request_(std::move(request)), context_(request_.context_positions, request_.context_chunks) {
  if (!engine_) throw Error(ErrorCode::kInvalidArgument, "synthesis needs an engine");
  if (request_.chunk_frames <= 0 || request_.first_chunk_frames <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "chunk sizes must be positive");
  }
  if (request_.chunk_length != 0 &&
      (request_.chunk_length < text::kMinChunkLength || request_.chunk_length > text::kMaxChunkLength)) {
    throw Error(ErrorCode::kInvalidArgument, "chunk_length must be 0 (no chunking) or in [" +
                                                 std::to_string(text::kMinChunkLength) + ", " +
                                                 std::to_string(text::kMaxChunkLength) + "], got " +
                                                 std::to_string(request_.chunk_length));
  }
  request_.generation.validate();
}

Synthesis::~Synthesis() = default;

void Synthesis::cancel() { cancelled_ = true; }  // the generator watches the flag; no other state is touched

void Synthesis::start() {
  started_at_ = now_ms();
  const text::Tokenizer& tokenizer = engine_->tokenizer();

  double t = now_ms();
  for (ReferenceInput& r : request_.references) {
    if (r.codes.values.empty()) {
      if (r.samples.empty()) throw Error(ErrorCode::kInvalidArgument, "a reference needs audio or codes");
      r.codes = engine_->codec().encode(r.samples);
    }
    references_.push_back({r.text, r.codes});
  }
  metrics_.reference_encode_ms = now_ms() - t;

  t = now_ms();
  chunks_ = request_text_chunks(request_.text, request_.chunk_length, tokenizer);
  metrics_.text_chunks = static_cast<int>(chunks_.size());
  if (!references_.empty()) {
    // The reference part of every chunk's prompt: reuse its KV from an earlier request, or save it once.
    const text::IntMatrix head =
        text::build_prompt(tokenizer, "", references_, prompt_options(engine_->llm().info()), &prefix_columns_);
    prefix_key_ = prefix_key(head, prefix_columns_);
    prefix_ = engine_->prefix_cache().get(prefix_key_);
  }
  metrics_.tokenize_ms = now_ms() - t;
  decoder_ = std::make_unique<RollingDecoder>(engine_->codec(), 1);
  started_ = true;
}

text::IntMatrix Synthesis::build_chunk_prompt(const std::string& text, std::size_t* context_columns) {
  const text::PromptOptions options = prompt_options(engine_->llm().info());
  std::vector<text::PromptReference> segments = references_;
  const std::vector<text::PromptReference> context = context_.select();
  segments.insert(segments.end(), context.begin(), context.end());
  try {
    text::IntMatrix prompt = text::build_prompt(engine_->tokenizer(), text, segments, options);
    *context_columns = context_.selected_columns();
    return prompt;
  } catch (const Error& e) {
    // Long references may leave no room for context: the chunk goes without it rather than failing.
    if (context.empty() || e.code() != ErrorCode::kOutOfRange) throw;
  }
  *context_columns = 0;
  return text::build_prompt(engine_->tokenizer(), text, references_, options);
}

void Synthesis::begin_text_chunk() {
  const lm::LlmInfo& info = engine_->llm().info();
  chunk_started_at_ = now_ms();
  ChunkMetrics chunk;
  std::size_t context_columns = 0;
  const text::IntMatrix prompt = build_chunk_prompt(chunks_[chunk_index_], &context_columns);
  metrics_.tokenize_ms += now_ms() - chunk_started_at_;
  chunk.characters = static_cast<int>(text::count_code_points(chunks_[chunk_index_]));
  chunk.prompt_positions = static_cast<int>(prompt.cols);
  chunk.context_positions = static_cast<int>(context_columns);

  lm::GenerationParams params = request_.generation;
  params.seed += chunk_index_;  // chunks of one request do not replay the same random stream
  generator_.reset();
  session_.reset();  // free the previous chunk's KV before allocating this one's
  session_ = engine_->llm().new_session(
      lm::kv_capacity_for(static_cast<int>(prompt.cols), params.max_new_tokens, info.max_seq_len));
  generator_ = std::make_unique<lm::FrameGenerator>(*session_, info.layout, prompt, params, &cancelled_);
  if (prefix_columns_ > 0) {
    if (prefix_) {
      generator_->use_prefix(prefix_);
      chunk.reused_prefix_positions = prefix_->positions;
    } else {
      generator_->save_prefix_after_prefill(static_cast<int>(prefix_columns_));
    }
  }
  metrics_.prompt_positions = std::max(metrics_.prompt_positions, chunk.prompt_positions);
  metrics_.reused_prefix_positions += chunk.reused_prefix_positions;
  metrics_.chunks.push_back(chunk);
  chunk_frames_.clear();
  chunk_open_ = true;
}

void Synthesis::keep_saved_prefix() {
  if (prefix_ || !generator_->saved_prefix()) return;
  prefix_ = generator_->saved_prefix();
  engine_->prefix_cache().put(prefix_key_, prefix_);
}

void Synthesis::end_text_chunk() {
  keep_saved_prefix();
  ChunkMetrics& chunk = metrics_.chunks.back();
  chunk.stopped_on_im_end = generator_->stopped_on_im_end();
  metrics_.stopped_on_im_end = chunk.stopped_on_im_end;
  if (!chunk_frames_.empty()) {
    const auto codebooks = static_cast<std::size_t>(engine_->llm().info().num_codebooks);
    text::PromptReference segment{chunks_[chunk_index_], frames_to_matrix(chunk_frames_, codebooks)};
    const std::size_t columns = text::reference_columns(engine_->tokenizer(), segment);
    context_.add(std::move(segment), columns);
  }
  generator_.reset();
  session_.reset();
  chunk_open_ = false;
  ++chunk_index_;
}

bool Synthesis::next(AudioChunk& chunk) {
  if (done_) return false;
  if (cancelled_) throw Error(ErrorCode::kCancelled, "synthesis cancelled");
  if (!started_) start();
  if (!chunk_open_) begin_text_chunk();

  const auto codebooks = static_cast<std::size_t>(engine_->llm().info().num_codebooks);
  const int want = metrics_.frames == 0 ? request_.first_chunk_frames : request_.chunk_frames;
  const std::size_t text_chunk = chunk_index_;
  std::vector<std::vector<int32_t>> got;
  std::vector<int32_t> frame;
  double t = now_ms();
  while (chunk_open_ && static_cast<int>(got.size()) < want) {
    if (!generator_->next(frame)) {
      metrics_.chunks.back().generation_ms += now_ms() - t;
      metrics_.generation_ms += now_ms() - t;
      t = now_ms();
      end_text_chunk();  // the chunk's audio goes out now, before the next chunk's prefill
      break;
    }
    keep_saved_prefix();
    got.push_back(frame);
    chunk_frames_.push_back(frame);
    ChunkMetrics& current = metrics_.chunks.back();
    if (++current.frames == 1) current.first_frame_ms = now_ms() - chunk_started_at_;
    if (metrics_.frames + static_cast<int>(got.size()) == 1) metrics_.first_frame_ms = now_ms() - started_at_;
  }
  if (chunk_open_) {
    metrics_.chunks.back().generation_ms += now_ms() - t;
    metrics_.generation_ms += now_ms() - t;
  }
  metrics_.frames += static_cast<int>(got.size());
  const bool last = !chunk_open_ && chunk_index_ == chunks_.size();

  t = now_ms();
  chunk.samples = got.empty() ? std::vector<float>{} : decoder_->push(frames_to_matrix(got, codebooks));
  if (last) {
    std::vector<float> tail = decoder_->finish();
    chunk.samples.insert(chunk.samples.end(), tail.begin(), tail.end());
  }
  metrics_.decode_ms += now_ms() - t;

  chunk.is_last = last;
  chunk.text_chunk = static_cast<int>(text_chunk);
  done_ = last;
  metrics_.audio_seconds += static_cast<double>(chunk.samples.size()) / engine_->sample_rate();
  if (metrics_.time_to_first_audio_ms == 0 && !chunk.samples.empty()) {
    metrics_.time_to_first_audio_ms = now_ms() - started_at_;
  }
  metrics_.total_ms = now_ms() - started_at_;
  metrics_.peak_rss_bytes = peak_rss_bytes();
  return true;
}

}  // namespace fishtts::pipeline
