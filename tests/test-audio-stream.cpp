// Stream encoders: what comes out chunk by chunk decodes to the right length and rate, the first bytes leave
// before finish(), and a file fixed up with the late writes is the file encode_audio() makes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <limits>

#include "audio/audio_io.h"
#include "audio/audio_stream_writer.h"
#include "audio/stream_encoder.h"
#include "common/error.h"
#include "support/audio_analysis.h"

namespace {

using namespace fishtts::audio;
using fishtts::test::decode_with_sndfile;
using fishtts::test::dominant_frequency;
using fishtts::test::sine;

struct Streamed {
  std::vector<std::uint8_t> bytes;  // every write() and finish(), concatenated
  std::size_t before_finish = 0;    // how many of them came out of write()
  std::vector<LateWrite> late;
};

Streamed stream(AudioFormat format, std::span<const float> x, EncoderOptions options, std::size_t chunk = 4410) {
  auto encoder = make_stream_encoder(format, options);
  Streamed s;
  for (std::size_t at = 0; at < x.size(); at += chunk) {
    auto bytes = encoder->write(x.subspan(at, std::min(chunk, x.size() - at)));
    s.bytes.insert(s.bytes.end(), bytes.begin(), bytes.end());
  }
  s.before_finish = s.bytes.size();
  auto tail = encoder->finish();
  s.bytes.insert(s.bytes.end(), tail.begin(), tail.end());
  s.late = encoder->late_writes();
  return s;
}

const char* extension(AudioFormat f) {
  switch (f) {
    case AudioFormat::kFlac: return ".flac";
    case AudioFormat::kMp3: return ".mp3";
    case AudioFormat::kOpus: return ".opus";
    default: return ".wav";
  }
}

class EveryFileFormat : public ::testing::TestWithParam<AudioFormat> {};

// 2 s of 440 Hz in 0.1 s chunks; the stream as sent (no late writes) is what a client plays.
TEST_P(EveryFileFormat, StreamDecodesToTheRightLengthAndRate) {
  const AudioFormat format = GetParam();
  if (!can_encode(format)) GTEST_SKIP() << "this libsndfile cannot write " << audio_format_name(format);
  const auto x = sine(440, 44100, 2.0);
  const Streamed s = stream(format, x, {});
  const int rate = format == AudioFormat::kOpus ? 48000 : 44100;
  const auto d = decode_with_sndfile(s.bytes, extension(format));
  EXPECT_EQ(d.rate, rate);
  const double expected = 2.0 * rate;
  // Lossy codecs pad to whole frames (mp3: 1152 + LAME's delay; opus: 20 ms frames); PCM and flac are exact.
  const bool lossy = format == AudioFormat::kMp3 || format == AudioFormat::kOpus;
  EXPECT_NEAR(static_cast<double>(d.samples.size()), expected, lossy ? 0.06 * rate : 0.0) << audio_format_name(format);
  // Most of the bytes left before finish(): the format really streams.
  EXPECT_GT(s.before_finish, s.bytes.size() / 2) << audio_format_name(format);
  EXPECT_NEAR(dominant_frequency(std::span(d.samples).subspan(rate / 2, rate / 2), rate, 420, 460), 440, 2.0);
}

// With the late writes put back, the stream is byte for byte the whole-buffer file.
TEST_P(EveryFileFormat, LateWritesTurnTheStreamIntoTheWholeFile) {
  const AudioFormat format = GetParam();
  if (!can_encode(format)) GTEST_SKIP();
  const auto x = sine(330, 44100, 1.0);
  Streamed s = stream(format, x, {}, 3000);
  apply_late_writes(s.bytes, s.late);
  const auto whole = encode_audio(x, 44100, format);
  if (format == AudioFormat::kOpus) {  // each Ogg stream has a random serial number: compare what they decode to
    EXPECT_EQ(decode_with_sndfile(s.bytes, ".opus").samples, decode_with_sndfile(whole, ".opus").samples);
  } else {
    EXPECT_EQ(s.bytes, whole) << audio_format_name(format);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, EveryFileFormat,
                         ::testing::Values(AudioFormat::kWav, AudioFormat::kWavFloat, AudioFormat::kFlac,
                                           AudioFormat::kMp3, AudioFormat::kOpus),
                         [](const auto& info) {
                           std::string name = audio_format_name(info.param);
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

TEST(StreamEncoder, StreamedWavSaysItsSizesAreUnknown) {
  const Streamed s = stream(AudioFormat::kWav, sine(440, 44100, 0.5), {});
  ASSERT_GE(s.bytes.size(), 44u);
  const std::uint8_t unknown[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(std::memcmp(s.bytes.data() + 4, unknown, 4), 0);
  EXPECT_EQ(std::memcmp(s.bytes.data() + 36, "data", 4), 0);
  EXPECT_EQ(std::memcmp(s.bytes.data() + 40, unknown, 4), 0);
  EXPECT_EQ(s.bytes.size(), 44u + 2 * 22050);
}

TEST(StreamEncoder, PcmComesOutWithEveryChunk) {
  auto encoder = make_stream_encoder(AudioFormat::kPcm, {});
  EXPECT_EQ(encoder->write(sine(440, 44100, 0.1)).size(), 2u * 4410);
  EXPECT_TRUE(encoder->finish().empty());
}

TEST(StreamEncoder, OpusPagesLeaveWithinAFewChunks) {
  auto encoder = make_stream_encoder(AudioFormat::kOpus, {});
  EXPECT_EQ(encoder->output_rate(), 48000);
  const auto x = sine(440, 44100, 0.1);
  std::size_t out = 0;
  for (int i = 0; i < 5; ++i) out += encoder->write(x).size();
  // Headers (OpusHead + OpusTags) are ~100 bytes; 0.5 s of audio at libopus's default rate is kilobytes.
  EXPECT_GT(out, 1000u);
}

// OpenAI's pcm: 24 kHz s16le, converted with soxr on the way, the tone unchanged.
TEST(StreamEncoder, PcmAtAnotherRate) {
  EncoderOptions options;
  options.output_rate = 24000;
  const Streamed s = stream(AudioFormat::kPcm, sine(440, 44100, 1.0), options);
  ASSERT_EQ(s.bytes.size() % 2, 0u);
  std::vector<float> y(s.bytes.size() / 2);
  for (std::size_t i = 0; i < y.size(); ++i) {
    std::int16_t v;
    std::memcpy(&v, s.bytes.data() + 2 * i, 2);
    y[i] = v / 32768.0f;
  }
  EXPECT_NEAR(static_cast<double>(y.size()), 24000.0, 2.0);
  EXPECT_NEAR(dominant_frequency(std::span(y).subspan(6000, 12000), 24000, 420, 460), 440, 2.0);
  // The whole-buffer call agrees with the stream.
  EXPECT_EQ(encode_audio(sine(440, 44100, 1.0), AudioFormat::kPcm, options).size(), s.bytes.size());
}

TEST(StreamEncoder, BadOptionsNameTheField) {
  auto expect_invalid = [](AudioFormat f, EncoderOptions o, const std::string& needle) {
    try {
      make_stream_encoder(f, o);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const fishtts::Error& e) {
      EXPECT_EQ(e.code(), fishtts::ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  EncoderOptions o;
  o.output_rate = 44100;
  expect_invalid(AudioFormat::kOpus, o, "opus takes only");
  o.output_rate = -1;
  expect_invalid(AudioFormat::kWav, o, "output_rate");
  o = {};
  o.input_rate = 0;
  expect_invalid(AudioFormat::kPcm, o, "input_rate");
}

// Every format has a name that parses back and a Content-Type.
TEST(StreamEncoder, NamesAndMimeTypesRoundTrip) {
  for (AudioFormat f : {AudioFormat::kWav, AudioFormat::kWavFloat, AudioFormat::kFlac, AudioFormat::kMp3,
                        AudioFormat::kOpus, AudioFormat::kAac, AudioFormat::kPcm}) {
    EXPECT_EQ(parse_audio_format(audio_format_name(f)), f);
    EXPECT_NE(std::string(audio_mime_type(f)).find('/'), std::string::npos);
  }
  EXPECT_STREQ(audio_mime_type(AudioFormat::kOpus), "audio/ogg");
  EXPECT_STREQ(audio_mime_type(AudioFormat::kAac), "audio/aac");
  EXPECT_STREQ(audio_mime_type(AudioFormat::kMp3), "audio/mpeg");
}

// NaN and infinities (a broken model, a caller's bug) must not take the process down: LAME aborts on a NaN.
TEST(StreamEncoder, NonFiniteSamplesAreSafeInEveryFormat) {
  std::vector<float> x = sine(440, 44100, 0.5);
  for (std::size_t i = 0; i < x.size(); i += 3) x[i] = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t i = 1; i < x.size(); i += 7) x[i] = -std::numeric_limits<float>::infinity();
  for (AudioFormat f : {AudioFormat::kWav, AudioFormat::kWavFloat, AudioFormat::kFlac, AudioFormat::kMp3,
                        AudioFormat::kOpus, AudioFormat::kAac, AudioFormat::kPcm}) {
    if (!can_encode(f)) continue;
    const auto bytes = encode_audio(x, 44100, f);
    EXPECT_GT(bytes.size(), 1000u) << audio_format_name(f);
    if (f == AudioFormat::kAac || f == AudioFormat::kPcm) continue;  // libsndfile cannot read these back
    for (float v : decode_with_sndfile(bytes, extension(f)).samples) {
      // Lossy codecs overshoot a signal this harsh (opus: 1.56), but nothing is NaN or wild.
      ASSERT_TRUE(std::isfinite(v) && std::abs(v) <= 4.0f) << audio_format_name(f) << " " << v;
    }
  }
}

TEST(StreamEncoder, FinishTwiceIsAnError) {
  auto encoder = make_stream_encoder(AudioFormat::kFlac, {});
  encoder->finish();
  EXPECT_THROW(encoder->finish(), fishtts::Error);
  EXPECT_THROW(encoder->write(sine(440, 44100, 0.01)), fishtts::Error);
}

// The file writer applies the late writes: a streamed file is the whole-buffer file.
TEST(AudioStreamWriter, StreamedFileIsTheWholeFile) {
  const auto x = sine(500, 44100, 1.0);
  for (AudioFormat f : {AudioFormat::kWav, AudioFormat::kFlac, AudioFormat::kOpus, AudioFormat::kPcm}) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("fishtts-writer-" + std::to_string(::getpid()) + "." + audio_format_name(f));
    {
      AudioStreamWriter w(path, 44100, f);
      for (std::size_t at = 0; at < x.size(); at += 5000) w.write(std::span(x).subspan(at, std::min<std::size_t>(5000, x.size() - at)));
      w.close();
    }
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto whole = encode_audio(x, 44100, f);
    if (f == AudioFormat::kOpus) {
      EXPECT_EQ(file.size(), whole.size());
      EXPECT_EQ(decode_with_sndfile(file, ".opus").samples, decode_with_sndfile(whole, ".opus").samples);
    } else {
      EXPECT_EQ(file, whole) << audio_format_name(f);
    }
    std::filesystem::remove(path);
  }
}

}  // namespace
