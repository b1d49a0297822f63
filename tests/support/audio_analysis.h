// Test helpers for audio: a sine, the dominant frequency of a signal (a plain DFT scanned in 0.5 Hz steps over
// a band, enough to tell 440 Hz from 430), and a whole file decoded by libsndfile with its stated rate.
#pragma once

#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <span>
#include <string>
#include <unistd.h>
#include <vector>

namespace fishtts::test {

inline std::vector<float> sine(double freq, double rate, double seconds, float amp = 0.5f) {
  std::vector<float> s(static_cast<std::size_t>(rate * seconds));
  for (std::size_t i = 0; i < s.size(); ++i) {
    s[i] = amp * static_cast<float>(std::sin(2 * std::numbers::pi * freq * static_cast<double>(i) / rate));
  }
  return s;
}

inline double dominant_frequency(std::span<const float> x, double rate, double lo, double hi) {
  double best = lo;
  double best_power = -1;
  for (double f = lo; f <= hi; f += 0.5) {
    double re = 0;
    double im = 0;
    const double w = 2 * std::numbers::pi * f / rate;
    for (std::size_t i = 0; i < x.size(); ++i) {
      re += x[i] * std::cos(w * static_cast<double>(i));
      im -= x[i] * std::sin(w * static_cast<double>(i));
    }
    if (re * re + im * im > best_power) {
      best_power = re * re + im * im;
      best = f;
    }
  }
  return best;
}

struct DecodedFile {
  int rate = 0;
  std::vector<float> samples;  // mono
};

// Through a temporary file, so libsndfile sees what a player would.
inline DecodedFile decode_with_sndfile(std::span<const std::uint8_t> bytes, const std::string& ext) {
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("fishtts-decode-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ext);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  DecodedFile d;
  SF_INFO info{};
  SNDFILE* sf = sf_open(path.c_str(), SFM_READ, &info);
  if (sf) {
    d.rate = info.samplerate;
    std::vector<float> buf(4096 * static_cast<std::size_t>(info.channels));
    sf_count_t got;
    while ((got = sf_readf_float(sf, buf.data(), 4096)) > 0) {
      for (sf_count_t i = 0; i < got; ++i) d.samples.push_back(buf[static_cast<std::size_t>(i * info.channels)]);
    }
    sf_close(sf);
  }
  std::filesystem::remove(path);
  return d;
}

}  // namespace fishtts::test
