// Decodes the audio files of one request (references, vqgan inputs) to mono at the codec's rate, within the
// server's limits: each file at most max_reference_seconds, all of them together max_request_audio_seconds,
// so a body of many small compressed files cannot expand into gigabytes of samples.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fishtts::server {

struct ServerContext;

class UploadedAudio {
 public:
  explicit UploadedAudio(const ServerContext& ctx);
  // Throws fishtts::Error (kBadFormat: not audio; kOutOfRange: too long) naming `name`.
  std::vector<float> decode(std::span<const std::uint8_t> bytes, const std::string& name);

 private:
  const ServerContext& ctx_;
  double seconds_left_;
};

}  // namespace fishtts::server
