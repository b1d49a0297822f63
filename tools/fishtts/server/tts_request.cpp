#include "tts_request.h"

#include <algorithm>
#include <random>

#include "audio/stream_encoder.h"
#include "audio/time_stretch.h"
#include "body_fields.h"
#include "common/error.h"
#include "http_error.h"
#include "tts_fields.h"

namespace fishtts::server {
namespace {

audio::AudioFormat parse_format(const std::string& name, const char* field, int status) {
  static constexpr audio::AudioFormat kOffered[] = {audio::AudioFormat::kWav,  audio::AudioFormat::kPcm,
                                                    audio::AudioFormat::kFlac, audio::AudioFormat::kMp3,
                                                    audio::AudioFormat::kOpus, audio::AudioFormat::kAac};
  std::string supported;
  for (audio::AudioFormat f : kOffered) {
    if (!audio::can_encode(f)) continue;
    if (name == audio::audio_format_name(f)) return f;
    supported += (supported.empty() ? "" : ", ") + std::string(audio::audio_format_name(f));
  }
  throw HttpError(status, std::string("field '") + field + "': unsupported format '" + name.substr(0, 40) +
                              "'; supported: " + supported);
}

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32 | device()) & 0x7fffffffULL;
}

// Defaults are lm::GenerationParams' (the S1 API's), ranges tts_fields.h's (the page reads both).
float read_float(const BodyFields& f, const FieldRange& range, float fallback) {
  return static_cast<float>(f.strict_number(range.name, fallback, range.min, range.max));
}

void read_generation(const BodyFields& f, lm::GenerationParams& g) {
  g.sampling.temperature = read_float(f, kTemperatureRange, g.sampling.temperature);
  g.sampling.top_p = read_float(f, kTopPRange, g.sampling.top_p);
  g.sampling.repetition_penalty = read_float(f, kRepetitionPenaltyRange, g.sampling.repetition_penalty);
  const std::optional<int64_t> max_new = f.lax_integer(kMaxNewTokensRange.name);
  if (max_new && (*max_new < kMaxNewTokensRange.min || *max_new > kMaxNewTokensRange.max)) {
    throw HttpError(422, "field 'max_new_tokens': " + std::to_string(*max_new) + " is outside [0, " +
                             std::to_string(static_cast<int64_t>(kMaxNewTokensRange.max)) + "]");
  }
  if (max_new) g.max_new_tokens = static_cast<int>(*max_new);
  const std::optional<int64_t> seed = f.lax_integer("seed");
  g.seed = seed ? normalize_seed(*seed) : random_seed();
}

std::vector<InlineReference> read_reference_list(const BodyFields& f) {
  std::vector<InlineReference> out;
  if (f.form()) {
    // Form bodies: repeated reference_audio (file) and reference_text parts, paired in order.
    auto as_list = [&](const char* name) {
      const nlohmann::json* v = f.find(name);
      if (!v) return nlohmann::json::array();
      return v->is_array() ? *v : nlohmann::json::array({*v});
    };
    const nlohmann::json audios = as_list("reference_audio"), texts = as_list("reference_text");
    if (audios.size() != texts.size()) {
      throw HttpError(422, "field 'reference_audio': " + std::to_string(audios.size()) + " audio parts but " +
                               std::to_string(texts.size()) + " reference_text parts; send them in pairs");
    }
    for (std::size_t i = 0; i < audios.size(); ++i) {
      if (!texts[i].is_string()) throw HttpError(422, "field 'reference_text': expected text");
      out.push_back({bytes_of(audios[i], "reference_audio[" + std::to_string(i) + "]"), texts[i].get<std::string>()});
    }
    return out;
  }
  const nlohmann::json* refs = f.find("references");
  if (!refs) return out;
  if (!refs->is_array()) throw HttpError(422, "field 'references': expected a list, got " + json_type_phrase(*refs));
  for (std::size_t i = 0; i < refs->size(); ++i) {
    const nlohmann::json& r = (*refs)[i];
    const std::string where = "references[" + std::to_string(i) + "]";
    if (!r.is_object()) throw HttpError(422, "field '" + where + "': expected an object {audio, text}");
    auto audio = r.find("audio");
    auto text = r.find("text");
    if (audio == r.end() || audio->is_null()) throw HttpError(422, "field '" + where + ".audio': required");
    if (text == r.end() || !text->is_string()) throw HttpError(422, "field '" + where + ".text': expected a string");
    out.push_back({bytes_of(*audio, "field '" + where + ".audio'"), text->get<std::string>()});
  }
  return out;
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Budgets: each reference's codes are prepended to the prompt, so their number and transcripts are bounded.
std::vector<InlineReference> read_references(const BodyFields& f) {
  std::vector<InlineReference> out = read_reference_list(f);
  if (out.size() > kMaxInlineReferences) {
    throw HttpError(400, std::to_string(out.size()) + " inline references, more than the limit of " +
                             std::to_string(kMaxInlineReferences));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (code_points(out[i].text) > kMaxReferenceTextLength) {
      throw HttpError(400, "reference " + std::to_string(i) + ": transcript of " + std::to_string(code_points(out[i].text)) +
                               " characters, more than the limit of " + std::to_string(kMaxReferenceTextLength));
    }
  }
  return out;
}

}  // namespace

std::uint64_t normalize_seed(int64_t seed) {
  const std::uint64_t magnitude = seed < 0 ? 0 - static_cast<std::uint64_t>(seed) : static_cast<std::uint64_t>(seed);
  return std::min<std::uint64_t>(magnitude, std::uint64_t{1} << 31);
}

TtsRequest parse_tts_request(const RequestBody& body) {
  const BodyFields f(body);
  TtsRequest r;
  r.text = f.required_string("text");
  r.format = parse_format(f.optional_string("format").value_or("wav"), "format", 422);
  r.references = read_references(f);
  r.reference_id = f.optional_string("reference_id");
  if (r.reference_id && r.reference_id->empty()) r.reference_id.reset();
  const std::string cache = f.optional_string("use_memory_cache").value_or("off");
  if (cache != "on" && cache != "off") throw HttpError(422, "field 'use_memory_cache': expected 'on' or 'off'");
  r.use_memory_cache = cache == "on";
  f.boolean("normalize", true);
  // Unbounded in upstream's schema (3.7) and ignored by S1: any integer is accepted, and now honoured.
  if (const std::optional<int64_t> length = f.lax_integer("chunk_length")) {
    r.chunk_length = *length <= 0 ? 0
                                  : static_cast<std::size_t>(std::clamp<int64_t>(
                                        *length, text::kMinChunkLength, text::kMaxChunkLength));
  }
  r.streaming = f.boolean("streaming", false);  // any format streams
  read_generation(f, r.generation);
  // Fields of Fish Audio's API (its SDKs send them): the answer's sample rate and prosody.speed.
  if (const std::optional<int64_t> rate = f.lax_integer("sample_rate")) {
    if (*rate < 8000 || *rate > 192000) {
      throw HttpError(422, "field 'sample_rate': " + std::to_string(*rate) + " Hz is outside 8000-192000 Hz");
    }
    audio::EncoderOptions check;
    check.output_rate = static_cast<int>(*rate);
    try {
      check.validate(r.format);  // e.g. Opus takes only 8/12/16/24/48 kHz
    } catch (const Error& e) {
      throw HttpError(422, "field 'sample_rate': " + std::to_string(*rate) + " Hz for " +
                               audio::audio_format_name(r.format) + ": " + e.what());
    }
    if (!audio::can_encode(r.format, check.output_rate)) {
      throw HttpError(422, "field 'sample_rate': " + std::to_string(*rate) + " Hz cannot be written as " +
                               audio::audio_format_name(r.format));
    }
    r.output_rate = check.output_rate;
  }
  if (const nlohmann::json* prosody = f.find("prosody"); prosody && prosody->is_object()) {
    if (const auto speed = prosody->find("speed"); speed != prosody->end() && !speed->is_null()) {
      if (!speed->is_number() || !(speed->get<double>() >= audio::kMinSpeed && speed->get<double>() <= audio::kMaxSpeed)) {
        throw HttpError(422, "field 'prosody.speed': a number within [0.25, 4.0]");
      }
      r.speed = speed->get<double>();
    }
  }
  return r;
}

TtsRequest parse_openai_speech_request(const RequestBody& body) {
  const BodyFields f(body);
  TtsRequest r;
  f.optional_string("model");  // any model name is accepted: this server has exactly one
  r.text = f.required_string("input");
  if (r.text.empty()) throw HttpError(400, "field 'input': must not be empty");
  // A voice is a name, or {"id": name} (the SDK's custom-voice form).
  if (const nlohmann::json* voice = f.find("voice"); voice && voice->is_object()) {
    const auto id = voice->find("id");
    if (id == voice->end() || !id->is_string()) throw HttpError(400, "field 'voice': an object needs a string 'id'");
    r.reference_id = id->get<std::string>();
  } else {
    r.reference_id = f.optional_string("voice");
  }
  if (r.reference_id && r.reference_id->empty()) r.reference_id.reset();
  r.format = parse_format(f.optional_string("response_format").value_or("mp3"), "response_format", 400);
  if (r.format == audio::AudioFormat::kPcm) r.output_rate = 24000;  // OpenAI's pcm: 24 kHz s16le mono
  r.streaming = f.boolean("stream", true);  // OpenAI streams every answer as it is produced
  if (const std::optional<std::string> sf = f.optional_string("stream_format")) {
    if (*sf != "audio" && *sf != "sse") {
      throw HttpError(400, "field 'stream_format': 'audio' or 'sse', got '" + sf->substr(0, 40) + "'");
    }
    r.sse = *sf == "sse";
    if (r.sse) r.streaming = true;
  }
  if (const nlohmann::json* speed = f.find("speed"); speed && !speed->is_null()) {
    if (!speed->is_number()) throw HttpError(400, "field 'speed': expected a number, got " + json_type_phrase(*speed));
    r.speed = speed->get<double>();
    if (!(r.speed >= audio::kMinSpeed && r.speed <= audio::kMaxSpeed)) {
      throw HttpError(400, "field 'speed': must be within [0.25, 4.0], got" + json_excerpt(*speed));
    }
  }
  // S1 takes no style prompt: accepted so clients that always send one work, and the answer says it was ignored.
  if (const std::optional<std::string> inst = f.optional_string("instructions"); inst && !inst->empty()) {
    r.instructions_ignored = true;
  }
  read_generation(f, r.generation);  // extensions: Fish Speech's sampling fields and seed, same defaults
  return r;
}

}  // namespace fishtts::server
