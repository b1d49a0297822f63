#include "wav_stream.h"

#include <cstdint>

namespace fishtts::server {
namespace {

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u16(std::string& s, std::uint16_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>(v >> 8));
}

}  // namespace

std::string streaming_wav_header(int sample_rate, int channels) {
  constexpr std::uint32_t kUnknown = 0xFFFFFFFFu;
  const auto rate = static_cast<std::uint32_t>(sample_rate);
  const auto ch = static_cast<std::uint16_t>(channels);
  std::string h = "RIFF";
  put_u32(h, kUnknown);
  h += "WAVEfmt ";
  put_u32(h, 16);
  put_u16(h, 1);  // PCM
  put_u16(h, ch);
  put_u32(h, rate);
  put_u32(h, rate * ch * 2);
  put_u16(h, static_cast<std::uint16_t>(ch * 2));
  put_u16(h, 16);
  h += "data";
  put_u32(h, kUnknown);
  return h;
}

}  // namespace fishtts::server
