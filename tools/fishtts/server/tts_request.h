// Upstream's ServeTTSRequest (spec 7, defaults and ranges of 3.7) and the OpenAI speech request, both turned
// into one TtsRequest. Validation failures are HttpError 422 naming the field (400 for the OpenAI route's
// unsupported options, as OpenAI answers those).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audio/audio_io.h"
#include "lm/frame_generator.h"
#include "text/text_splitter.h"
#include "request_body.h"

namespace fishtts::server {

struct InlineReference {
  std::vector<std::uint8_t> audio;  // a whole audio file
  std::string text;
};

struct TtsRequest {
  std::string text;
  audio::AudioFormat format = audio::AudioFormat::kWav;
  std::vector<InlineReference> references;
  std::optional<std::string> reference_id;  // wins over `references` (spec 6.1)
  bool streaming = false;
  bool use_memory_cache = false;  // read the inline references' codes cache (it is always written)
  lm::GenerationParams generation;
  std::size_t chunk_length = text::kDefaultChunkLength;  // long-form chunking; 0 = one pass
  int output_rate = 0;        // the answer's sample rate; 0 = the codec's (OpenAI's pcm: 24000)
  double speed = 1.0;         // time-stretch keeping pitch, [0.25, 4]
  bool sse = false;           // OpenAI stream_format "sse": base64 audio in speech.audio.delta events
  bool instructions_ignored = false;  // OpenAI instructions were sent (S1 has no style prompt)
};

// Fields: text (required), format (wav | pcm | mp3 | flac | opus | aac), references [{audio, text}], reference_id, seed,
// use_memory_cache (on | off: read the codes cache of inline references), normalize (accepted, unused upstream too),
// streaming, max_new_tokens (>= 0, 0 = to the context end), top_p [0.1, 1], repetition_penalty [0.9, 2],
// temperature [0.1, 1], chunk_length (any integer, as upstream's schema: <= 0 = one pass over the whole text,
// otherwise clamped to [100, 300]; long text is generated in chunks of at most that many characters). Multipart bodies send references as repeated
// `reference_audio` file parts paired in order with `reference_text` parts. A missing seed draws a random one.
// Per-request budgets on inline references (more -> 400 naming the limit).
inline constexpr std::size_t kMaxInlineReferences = 8;
inline constexpr std::size_t kMaxReferenceTextLength = 2000;  // characters (code points) per transcript

TtsRequest parse_tts_request(const RequestBody& body);

// OpenAI POST /v1/audio/speech: model (any string, ignored: there is one model), input, voice (a name or
// {"id": name}; empty or absent = no reference), response_format (mp3 (default) | opus | aac | flac | wav | pcm,
// pcm at 24 kHz as OpenAI's), stream (default true: every format streams), stream_format (audio | sse),
// speed [0.25, 4] (pitch kept), instructions (accepted and ignored: S1 takes no style prompt).
// Extensions: seed, max_new_tokens, temperature, top_p, repetition_penalty as in parse_tts_request.
TtsRequest parse_openai_speech_request(const RequestBody& body);

// Spec 3.8: negative -> absolute value, capped at 2^31.
std::uint64_t normalize_seed(int64_t seed);

}  // namespace fishtts::server
