// AAC (ADTS): every chunk's bytes are whole ADTS frames that FFmpeg decodes back to the right rate, length (within
// the encoder's 1024-sample priming and last-frame padding) and tone; bytes leave before finish().
#include <gtest/gtest.h>

#include "audio/audio_io.h"
#include "audio/audio_stream_writer.h"
#include "audio/stream_encoder.h"
#include "common/error.h"
#include "support/aac_decode.h"
#include "support/audio_analysis.h"

namespace {

using namespace fishtts::audio;
using fishtts::test::decode_aac;
using fishtts::test::dominant_frequency;
using fishtts::test::sine;

// Count ADTS frames by walking their headers (sync 0xFFF, 13-bit frame length), to check the stream's framing.
std::size_t adts_frames(std::span<const std::uint8_t> b) {
  std::size_t at = 0, frames = 0;
  while (at + 7 <= b.size()) {
    if (b[at] != 0xFF || (b[at + 1] & 0xF0) != 0xF0) return 0;  // not on a frame boundary: broken framing
    const std::size_t length = ((b[at + 3] & 0x03u) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5);
    if (length < 7) return 0;
    at += length;
    ++frames;
  }
  return at == b.size() ? frames : 0;
}

TEST(Aac, StreamIsWholeAdtsFramesThatDecodeToTheRightLengthAndRate) {
  if (!can_encode(AudioFormat::kAac)) GTEST_SKIP() << "this FFmpeg has no native aac encoder";
  const auto x = sine(440, 44100, 2.0);
  auto encoder = make_stream_encoder(AudioFormat::kAac, {});
  std::vector<std::uint8_t> all;
  std::size_t before_finish = 0;
  for (std::size_t at = 0; at < x.size(); at += 4410) {
    auto bytes = encoder->write(std::span(x).subspan(at, std::min<std::size_t>(4410, x.size() - at)));
    EXPECT_TRUE(bytes.empty() || adts_frames(bytes) > 0) << "a chunk that is not whole ADTS frames, at " << at;
    all.insert(all.end(), bytes.begin(), bytes.end());
  }
  before_finish = all.size();
  auto tail = encoder->finish();
  all.insert(all.end(), tail.begin(), tail.end());
  EXPECT_GT(before_finish, all.size() / 2);  // it streams
  EXPECT_GT(adts_frames(all), 80u);           // 2 s = 86 frames of 1024 (+ priming)

  const auto d = decode_aac(all);
  EXPECT_EQ(d.rate, 44100);
  // Priming (1024) in front, the last frame padded: at most 2048 more, never fewer.
  EXPECT_GE(d.samples.size(), x.size());
  EXPECT_LE(d.samples.size(), x.size() + 2048);
  EXPECT_NEAR(dominant_frequency(std::span(d.samples).subspan(22050, 22050), 44100, 420, 460), 440, 2.0);
  // The whole-buffer call makes the same stream.
  EXPECT_EQ(encode_audio(x, 44100, AudioFormat::kAac), all);
}

TEST(Aac, OtherRatesAndErrors) {
  EncoderOptions options;
  options.output_rate = 24000;
  const auto d = decode_aac(encode_audio(sine(440, 44100, 1.0), AudioFormat::kAac, options));
  EXPECT_EQ(d.rate, 24000);
  EXPECT_NEAR(static_cast<double>(d.samples.size()), 24000.0, 2048.0 + 64);

  options.output_rate = 1234;  // not an AAC rate
  try {
    make_stream_encoder(AudioFormat::kAac, options);
    ADD_FAILURE() << "no error";
  } catch (const fishtts::Error& e) {
    EXPECT_NE(std::string(e.what()).find("aac"), std::string::npos) << e.what();
  }
  EXPECT_EQ(audio_format_for_path("x.AAC"), AudioFormat::kAac);
  EXPECT_EQ(parse_audio_format("aac"), AudioFormat::kAac);
}

TEST(Aac, FileWriterAndEmptyInput) {
  const auto path = std::filesystem::temp_directory_path() / ("fishtts-aac-writer-" + std::to_string(::getpid()) + ".aac");
  const auto x = sine(300, 44100, 0.5);
  {
    AudioStreamWriter w(path, 44100, AudioFormat::kAac);
    w.write(std::span(x).first(10000));
    w.write(std::span(x).subspan(10000));
    w.close();
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  EXPECT_EQ(file, encode_audio(x, 44100, AudioFormat::kAac));
  // No samples: a valid, empty stream rather than a crash.
  EXPECT_NO_THROW(encode_audio({}, 44100, AudioFormat::kAac));
}

}  // namespace
