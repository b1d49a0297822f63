#include "answer_audio.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace fishtts::server {
namespace {

audio::EncoderOptions encoder_options(const TtsRequest& tts, int rate) {
  audio::EncoderOptions o;
  o.input_rate = rate;
  o.output_rate = tts.output_rate;
  return o;
}

std::string base64(const std::vector<std::uint8_t>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string sse_event(const nlohmann::json& event) { return "data: " + event.dump() + "\n\n"; }

}  // namespace

std::string encode_answer(const TtsRequest& tts, int rate, std::vector<float> samples) {
  if (tts.speed != 1.0) samples = audio::time_stretch(samples, rate, tts.speed);
  const std::vector<std::uint8_t> file = audio::encode_audio(samples, tts.format, encoder_options(tts, rate));
  return std::string(file.begin(), file.end());
}

AnswerStream::AnswerStream(const TtsRequest& tts, int rate)
    : sse_(tts.sse),
      format_(tts.format),
      stretch_(tts.speed != 1.0 ? std::make_unique<audio::TimeStretcher>(rate, tts.speed) : nullptr),
      encoder_(audio::make_stream_encoder(tts.format, encoder_options(tts, rate))) {}

std::string AnswerStream::write(std::span<const float> samples) {
  if (!stretch_) return wrap(encoder_->write(samples));
  const std::vector<float> stretched = stretch_->process(samples);
  return wrap(encoder_->write(stretched));
}

std::string AnswerStream::finish(int input_characters, int output_frames) {
  std::string out;
  if (stretch_) out += wrap(encoder_->write(stretch_->flush()));
  out += wrap(encoder_->finish());
  if (sse_) {
    out += sse_event({{"type", "speech.audio.done"},
                      {"usage",
                       {{"input_tokens", input_characters},
                        {"output_tokens", output_frames},
                        {"total_tokens", input_characters + output_frames}}}});
  }
  return out;
}

std::string AnswerStream::content_type() const { return sse_ ? "text/event-stream" : audio::audio_mime_type(format_); }

std::string AnswerStream::wrap(const std::vector<std::uint8_t>& bytes) const {
  if (bytes.empty()) return {};
  if (!sse_) return std::string(bytes.begin(), bytes.end());
  return sse_event({{"type", "speech.audio.delta"}, {"audio", base64(bytes)}});
}

}  // namespace fishtts::server
