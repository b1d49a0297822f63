// Reads the fields of a 16-bit PCM WAV held in memory (tests check what the server sent byte by byte).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace fishtts::test {

struct WavInfo {
  bool ok = false;
  std::uint16_t format = 0, channels = 0, bits = 0;
  std::uint32_t rate = 0;
  std::uint32_t riff_size = 0, data_size = 0;  // as written in the header
  std::string pcm;                             // everything after the data chunk header
};

inline std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}
inline std::uint16_t le16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8);
}

inline WavInfo parse_wav(const std::string& bytes) {
  WavInfo w;
  if (bytes.size() < 12 || bytes.compare(0, 4, "RIFF") != 0 || bytes.compare(8, 4, "WAVE") != 0) return w;
  w.riff_size = le32(bytes, 4);
  std::size_t at = 12;
  while (at + 8 <= bytes.size()) {
    const std::string id = bytes.substr(at, 4);
    const std::uint32_t size = le32(bytes, at + 4);
    if (id == "fmt " && at + 24 <= bytes.size()) {
      w.format = le16(bytes, at + 8);
      w.channels = le16(bytes, at + 10);
      w.rate = le32(bytes, at + 12);
      w.bits = le16(bytes, at + 22);
    } else if (id == "data") {
      w.data_size = size;
      w.pcm = bytes.substr(at + 8);
      w.ok = w.format != 0;
      return w;
    }
    at += 8 + size + (size & 1);
  }
  return w;
}

}  // namespace fishtts::test
