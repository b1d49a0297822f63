// Audio I/O: round trips through each format, mixdown, resampling, clipping, and clear errors.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <filesystem>
#include <numbers>

#include "audio/audio_io.h"
#include "common/error.h"

namespace {

using namespace fishtts::audio;

std::vector<float> sine(double freq, double rate, double seconds, float amp = 0.5f) {
  std::vector<float> s(static_cast<std::size_t>(rate * seconds));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = amp * static_cast<float>(std::sin(2 * std::numbers::pi * freq * i / rate));
  return s;
}

// A stereo 16-bit WAV written with libsndfile directly (our encoder writes mono only).
std::vector<std::uint8_t> stereo_wav(const std::vector<float>& left, const std::vector<float>& right, int rate) {
  auto path = std::filesystem::temp_directory_path() / ("fishtts-stereo-" + std::to_string(::getpid()) + ".wav");
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* sf = sf_open(path.c_str(), SFM_WRITE, &info);
  std::vector<float> inter;
  for (std::size_t i = 0; i < left.size(); ++i) {
    inter.push_back(left[i]);
    inter.push_back(right[i]);
  }
  sf_writef_float(sf, inter.data(), static_cast<sf_count_t>(left.size()));
  sf_close(sf);
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

TEST(AudioIo, Pcm16WavRoundTripWithinOneStep) {
  auto x = sine(440, 44100, 0.25);
  auto bytes = encode_audio(x, 44100, AudioFormat::kWav);
  EXPECT_EQ(bytes.size(), 44u + 2 * x.size());
  auto y = decode_audio(bytes, {});
  ASSERT_EQ(y.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(y[i], x[i], 1.0 / 32768 + 1e-7) << i;
}

TEST(AudioIo, FloatWavRoundTripIsExact) {
  auto x = sine(1000, 44100, 0.1, 0.9f);
  auto y = decode_audio(encode_audio(x, 44100, AudioFormat::kWavFloat), {});
  EXPECT_EQ(y, x);
}

TEST(AudioIo, FlacRoundTripWithinOneStep) {
  auto x = sine(300, 44100, 0.2);
  auto bytes = encode_audio(x, 44100, AudioFormat::kFlac);
  EXPECT_LT(bytes.size(), 2 * x.size());  // compressed
  auto y = decode_audio(bytes, {});
  ASSERT_EQ(y.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(y[i], x[i], 1.0 / 32768 + 1e-7);
}

TEST(AudioIo, RawPcmIsHeaderlessLittleEndianAndClipped) {
  std::vector<float> x = {0.0f, 0.5f, 1.5f, -1.5f, -1.0f};
  auto bytes = encode_audio(x, 44100, AudioFormat::kPcm);
  ASSERT_EQ(bytes.size(), 2 * x.size());
  auto at = [&](int i) { return static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)); };
  EXPECT_EQ(at(0), 0);
  EXPECT_NEAR(at(1), 16384, 1);
  EXPECT_EQ(at(2), 32767);   // saturated, not wrapped
  EXPECT_EQ(at(3), -32768);
  EXPECT_EQ(at(4), -32768);
}

TEST(AudioIo, Mp3WhenThisLibsndfileCanWriteIt) {
  if (!can_encode(AudioFormat::kMp3)) GTEST_SKIP() << "libsndfile without MPEG support";
  auto x = sine(440, 44100, 1.0);
  auto y = decode_audio(encode_audio(x, 44100, AudioFormat::kMp3), {});
  EXPECT_NEAR(static_cast<double>(y.size()), static_cast<double>(x.size()), 44100 * 0.1);
  double energy = 0;
  for (float v : y) energy += v * v;
  EXPECT_GT(energy / y.size(), 0.05);  // a 0.5-amplitude sine has mean square 0.125
}

TEST(AudioIo, StereoIsAveragedToMono) {
  std::vector<float> l(1000, 0.5f), r(1000, -0.1f);
  auto y = decode_audio(stereo_wav(l, r, 44100), {});
  ASSERT_EQ(y.size(), 1000u);
  for (float v : y) ASSERT_FLOAT_EQ(v, 0.2f);
}

TEST(AudioIo, OtherRatesAreResampledToTheTarget) {
  auto x = sine(1000, 16000, 1.0);
  auto y = decode_audio(encode_audio(x, 16000, AudioFormat::kWavFloat), {});
  EXPECT_NEAR(static_cast<double>(y.size()), 44100.0, 2.0);
  auto ideal = sine(1000, 44100, 1.0);
  double err = 0;
  for (std::size_t i = 2000; i < 42000; ++i) err = std::max(err, static_cast<double>(std::abs(y[i] - ideal[i])));
  EXPECT_LT(err, 0.01);  // same tone, same phase (soxr is linear-phase and delay-compensated)
}

TEST(AudioIo, ResampleIdentityAndBadRates) {
  std::vector<float> x = {0.1f, 0.2f};
  EXPECT_EQ(resample(x, 44100, 44100), x);
  EXPECT_THROW(resample(x, 0, 44100), fishtts::Error);
}

TEST(AudioIo, BadInputGetsClearErrors) {
  auto expect_error = [](auto fn, fishtts::ErrorCode code, const std::string& needle) {
    try {
      fn();
      FAIL() << "no error";
    } catch (const fishtts::Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([] { decode_audio({}, {}, "upload"); }, fishtts::ErrorCode::kBadFormat, "empty");
  std::vector<std::uint8_t> junk(1000, 0x42);
  expect_error([&] { decode_audio(junk, {}, "junk.wav"); }, fishtts::ErrorCode::kBadFormat, "junk.wav");
  auto long_clip = encode_audio(sine(100, 8000, 2.0), 8000, AudioFormat::kWav);
  expect_error([&] { decode_audio(long_clip, {44100, 1.0}, "long"); }, fishtts::ErrorCode::kOutOfRange, "limit");
  // A 16 KiB PCM WAV declaring 1024 channels (little-endian RIFF header written by hand).
  std::vector<std::uint8_t> wide;
  auto put = [&wide](std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) wide.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  const std::uint32_t channels = 1024, rate = 8000, data_bytes = 16384;
  for (char ch : std::string("RIFF")) wide.push_back(static_cast<std::uint8_t>(ch));
  put(36 + data_bytes, 4);
  for (char ch : std::string("WAVEfmt ")) wide.push_back(static_cast<std::uint8_t>(ch));
  put(16, 4), put(1, 2), put(channels, 2), put(rate, 4), put(rate * channels * 2, 4), put(channels * 2, 2), put(16, 2);
  for (char ch : std::string("data")) wide.push_back(static_cast<std::uint8_t>(ch));
  put(data_bytes, 4);
  wide.resize(wide.size() + data_bytes, 0);
  expect_error([&] { decode_audio(wide, {}, "wide.wav"); }, fishtts::ErrorCode::kOutOfRange, "1024 channels, more than the limit of 8");
  expect_error([] { read_audio_file("/nonexistent/x.wav"); }, fishtts::ErrorCode::kNotFound, "/nonexistent/x.wav");
  expect_error([] { parse_audio_format("ogg"); }, fishtts::ErrorCode::kInvalidArgument, "wav, wav-float");
  expect_error([] { audio_format_for_path("out.xyz"); }, fishtts::ErrorCode::kInvalidArgument, ".xyz");
}

TEST(AudioIo, FilesAreWrittenAtomicallyAndReadBack) {
  auto dir = std::filesystem::temp_directory_path() / ("fishtts-audio-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto x = sine(220, 44100, 0.1);
  write_audio_file(dir / "a.flac", x, 44100, audio_format_for_path(dir / "a.flac"));
  auto y = read_audio_file(dir / "a.flac");
  EXPECT_EQ(y.size(), x.size());
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // no temporary left behind
  std::filesystem::remove_all(dir);
}

}  // namespace
