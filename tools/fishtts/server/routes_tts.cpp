// POST /v1/tts (Fish Speech) and POST /v1/audio/speech (OpenAI): validate, queue one synthesis on the worker,
// answer with the whole file, or stream it chunked (WAV header with unknown sizes + s16le, or raw s16le) while
// frames are decoded. A client that goes away while streaming cancels its synthesis.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

#include "answer_audio.h"
#include "audio/audio_io.h"
#include "chunk_channel.h"
#include "common/error.h"
#include "http_error.h"
#include "pipeline/reference_id.h"
#include "pipeline/synthesis.h"
#include "reference_codes_cache.h"
#include "request_body.h"
#include "text/utf8.h"
#include "server_context.h"
#include "tts_request.h"
#include "uploaded_audio.h"

namespace fishtts::server {
namespace {

// On the worker: resolve a stored reference (codes cached per codec), synthesize, hand chunks to the channel.
// A validated request on its way to the worker.
struct PendingSynthesis {
  pipeline::SynthesisRequest request;
  std::optional<std::string> reference_id;
  std::vector<std::string> cache_keys;  // per inline reference: where its codes go (empty: came from the cache)
};

// Why a running synthesis must stop (its message names the option), or nothing while it is within its budget.
std::optional<HttpError> over_budget(const ServerOptions& o, int frames, std::chrono::steady_clock::time_point deadline) {
  if (frames > o.max_request_frames) {
    return HttpError(422, "the request generated more than " + std::to_string(o.max_request_frames) +
                              " frames, the server's limit (--max-request-frames): send shorter text");
  }
  if (std::chrono::steady_clock::now() > deadline) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", o.max_request_seconds);
    return HttpError(503, std::string("the synthesis ran longer than the server's limit of ") + seconds +
                              " s (--max-request-seconds)");
  }
  return std::nullopt;
}

void synthesize(ServerContext& ctx, PendingSynthesis pending, ChunkChannel& channel) {
  pipeline::SynthesisRequest& request = pending.request;
  const std::optional<std::string>& reference_id = pending.reference_id;
  if (channel.cancelled()) {
    ctx.metrics.count_cancelled();
    channel.fail(499, "cancelled before it started");
    return;
  }
  try {
    if (reference_id) {
      const codec::CodecModel& codec = ctx.engine->codec();
      request.references.clear();
      for (text::PromptReference& r : ctx.references.codes(*reference_id, ctx.engine->codec_key(),
                                                           [&](std::span<const float> s) { return codec.encode(s); })) {
        request.references.push_back({std::move(r.text), std::move(r.codes), {}});
      }
    }
    for (std::size_t i = 0; i < pending.cache_keys.size(); ++i) {
      pipeline::ReferenceInput& r = request.references[i];
      if (pending.cache_keys[i].empty() || r.samples.empty()) continue;
      r.codes = ctx.engine->codec().encode(r.samples);
      r.samples.clear();
      ctx.inline_reference_codes.put(pending.cache_keys[i], r.codes);
    }
    pipeline::Synthesis synthesis(ctx.engine, std::move(request));
    channel.attach(&synthesis);
    pipeline::AudioChunk chunk;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(ctx.options.max_request_seconds));
    try {
      while (synthesis.next(chunk)) {
        if (!channel.push(std::move(chunk.samples))) synthesis.cancel();
        if (const std::optional<HttpError> over = over_budget(ctx.options, synthesis.metrics().frames, deadline)) {
          channel.detach();
          ctx.metrics.count_cancelled();
          channel.fail(over->status(), over->what());
          return;
        }
      }
    } catch (...) {
      channel.detach();
      throw;
    }
    channel.detach();
    ctx.metrics.record_synthesis(synthesis.metrics());
    channel.finish(synthesis.metrics());
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kCancelled) ctx.metrics.count_cancelled();
    channel.fail(http_status_for(e.code()), e.what());
  } catch (const std::exception& e) {
    channel.fail(500, std::string("synthesis failed: ") + e.what());
  }
}

PendingSynthesis to_synthesis(ServerContext& ctx, TtsRequest& tts) {
  if (ctx.options.max_text_length > 0) {
    const std::size_t characters = text::count_code_points(tts.text);  // as upstream's len()
    if (characters > ctx.options.max_text_length) {
      throw HttpError(400, "text is " + std::to_string(characters) + " characters, above the server's limit of " +
                               std::to_string(ctx.options.max_text_length));
    }
  }
  if (tts.text.empty()) throw HttpError(422, "field 'text': must not be empty");
  if (!audio::can_encode(tts.format)) {
    throw HttpError(400, std::string("this libsndfile cannot write ") + audio::audio_format_name(tts.format));
  }
  PendingSynthesis pending;
  pipeline::SynthesisRequest& request = pending.request;
  pending.reference_id = tts.reference_id;
  request.text = std::move(tts.text);
  request.generation = tts.generation;
  request.chunk_length = tts.chunk_length;
  if (tts.reference_id) {
    // Upstream creates any unknown id's folder (spec 6.2); here an unknown id is an error, a malformed one too.
    if (!pipeline::is_valid_reference_id(*tts.reference_id)) pipeline::validate_reference_id(*tts.reference_id);
    if (!ctx.references.contains(*tts.reference_id)) {
      throw HttpError(404, "reference id '" + *tts.reference_id + "' does not exist");
    }
  } else {
    UploadedAudio uploads(ctx);
    for (std::size_t i = 0; i < tts.references.size(); ++i) {
      const InlineReference& ref = tts.references[i];
      const std::string key = ReferenceCodesCache::key_of(ref.audio);
      if (tts.use_memory_cache) {
        if (std::optional<text::IntMatrix> codes = ctx.inline_reference_codes.find(key)) {
          request.references.push_back({ref.text, std::move(*codes), {}});
          ctx.metrics.count_reference_cache_hit();
          pending.cache_keys.emplace_back();
          continue;
        }
      }
      const std::string name = "references[" + std::to_string(i) + "].audio";
      request.references.push_back({ref.text, {}, uploads.decode(ref.audio, name)});
      pending.cache_keys.push_back(key);
    }
  }
  if (tts.streaming) {
    request.first_chunk_frames = ctx.options.stream_first_chunk_frames;
    request.chunk_frames = ctx.options.stream_chunk_frames;
  } else {
    request.chunk_frames = 64;  // nobody listens along: fewer, larger codec calls
  }
  return pending;
}

// What a streamed answer has sent so far.
struct StreamState {
  std::vector<float> pending;  // the first chunk, popped before answering
  bool head_sent = false;
  bool ended = false;  // the synthesis ended with the first pop
  std::unique_ptr<AnswerStream> audio;
  int characters = 0;
};

// One step of a streamed answer: the first audio, then one chunk per call, then the encoders' tail.
// kFailed cuts the response (a failure after the status was sent: a cut stream says so).
Produced stream_next(ChunkChannel& channel, StreamState& state, const std::function<bool()>& gone, std::string& out) {
  if (!state.head_sent) {
    state.head_sent = true;
    out = state.audio->write(state.pending);
    state.pending.clear();
    if (!state.ended) return Produced::kMore;
    out += state.audio->finish(state.characters, channel.metrics().frames);
    return Produced::kDone;
  }
  std::vector<float> chunk;
  switch (channel.pop(chunk, gone)) {
    case ChunkChannel::Next::kChunk:
      out = state.audio->write(chunk);
      return Produced::kMore;
    case ChunkChannel::Next::kDone:
      out = state.audio->finish(state.characters, channel.metrics().frames);
      return Produced::kDone;
    case ChunkChannel::Next::kFailed:
      return Produced::kFailed;
  }
  return Produced::kFailed;
}

void answer_tts(ServerContext& ctx, TtsRequest tts, const HttpRequest& req, HttpResponse& res) {
  const int characters = static_cast<int>(text::count_code_points(tts.text));
  PendingSynthesis pending = to_synthesis(ctx, tts);
  auto channel = std::make_shared<ChunkChannel>(ctx.options.max_stream_chunks);
  InferenceJob job;
  job.run = [&ctx, channel, pending = std::move(pending)]() mutable { synthesize(ctx, std::move(pending), *channel); };
  job.abandon = [channel] { channel->fail(503, "the server is shutting down"); };
  job.cancel = [channel] {  // the server is stopping and the grace period is over
    channel->fail(503, "the server is shutting down");
    channel->cancel();
  };
  if (!ctx.queue.submit(std::move(job))) throw_queue_full(ctx);

  const int rate = ctx.engine->sample_rate();
  // Wait for the first audio (or the failure) before answering, so errors still get a proper status.
  std::vector<float> first;
  const ChunkChannel::Next head = channel->pop(first, req.client_gone);
  if (head == ChunkChannel::Next::kFailed) throw HttpError(channel->error_status(), channel->error_message());

  const std::string filename = std::string("attachment; filename=audio.") + audio::audio_format_name(tts.format);
  if (tts.instructions_ignored) res.set_header("X-Fishtts-Instructions", "ignored (S1 takes no style prompt)");
  if (!tts.streaming) {
    std::vector<float> whole = std::move(first);
    std::vector<float> more;
    for (auto next = head; next == ChunkChannel::Next::kChunk;) {
      next = channel->pop(more, req.client_gone);
      if (next == ChunkChannel::Next::kFailed) throw HttpError(channel->error_status(), channel->error_message());
      if (next == ChunkChannel::Next::kChunk) whole.insert(whole.end(), more.begin(), more.end());
    }
    const pipeline::SynthesisMetrics m = channel->metrics();
    res.set_header("X-Fishtts-Frames", std::to_string(m.frames));
    res.set_header("X-Fishtts-Rtf", std::to_string(m.rtf()));
    res.set_header("X-Fishtts-Text-Chunks", std::to_string(m.text_chunks));
    res.set_header("Content-Disposition", filename);
    res.set_content(encode_answer(tts, rate, std::move(whole)), audio::audio_mime_type(tts.format));
    return;
  }

  auto state = std::make_shared<StreamState>();
  state->pending = std::move(first);
  state->ended = head == ChunkChannel::Next::kDone;
  state->audio = std::make_unique<AnswerStream>(tts, rate);
  state->characters = characters;
  if (!tts.sse) res.set_header("Content-Disposition", filename);
  res.set_stream(
      state->audio->content_type(),
      [channel, state, gone = req.client_gone](std::string& out) { return stream_next(*channel, *state, gone, out); },
      [channel](bool completed) {
        if (!completed) channel->cancel();  // client gone (or failure): stop the synthesis before its next step
      });
}

}  // namespace

void add_tts_routes(ServerContext& ctx) {
  ctx.router.post("/v1/tts", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    answer_tts(ctx, parse_tts_request(read_body(req)), req, res);
  }));
  ctx.router.post("/v1/audio/speech", guarded([&ctx](const HttpRequest& req, HttpResponse& res) {
    TtsRequest tts = parse_openai_speech_request(read_body(req));
    // --voice-map names a stored reference for a voice name (alloy -> my-voice); it must exist.
    if (tts.reference_id) {
      if (const auto mapped = ctx.options.voice_map.find(*tts.reference_id); mapped != ctx.options.voice_map.end()) {
        if (!ctx.references.contains(mapped->second)) {
          throw HttpError(404, "voice '" + mapped->first + "' maps to reference '" + mapped->second +
                                   "' (--voice-map), which does not exist");
        }
        tts.reference_id = mapped->second;
      }
    }
    // OpenAI clients send a voice on every call, usually a built-in name (alloy, nova, ...): a voice that is not a
    // stored reference speaks with the default voice, and the answer says so.
    if (tts.reference_id && !(pipeline::is_valid_reference_id(*tts.reference_id) &&
                              ctx.references.contains(*tts.reference_id))) {
      tts.reference_id.reset();
      res.set_header("X-Fishtts-Voice", "default");
    }
    answer_tts(ctx, std::move(tts), req, res);
  }));
}

}  // namespace fishtts::server
