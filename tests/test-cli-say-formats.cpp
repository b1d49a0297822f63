// End to end: `fishtts say` on the built-in demo model into each added format (opus, ...), whole and streamed,
// decoded back and checked for rate and length. One cache for the whole file: the demo bundle is made once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "audio/audio_io.h"
#include "support/aac_decode.h"
#include "support/audio_analysis.h"
#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using fishtts::test::decode_aac;
using fishtts::test::decode_with_sndfile;
using fishtts::test::run_cli;

// 12 greedy columns on the demo model: the last one is dropped, 11 frames of 2048 samples at 44.1 kHz.
constexpr double kSeconds = 11 * 2048 / 44100.0;

class CliSayFormats : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("fishtts-cli-say-formats-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static fishtts::test::CliResult say(const std::string& extra) {
    return run_cli("say 'Hello world.' --cache-dir '" + (dir_ / "cache").string() +
                   "' --greedy --max-new-tokens 12 --precision int4 --codec-precision fp32 " + extra);
  }
  static std::vector<std::uint8_t> bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static fs::path dir_;
};

fs::path CliSayFormats::dir_;

TEST_F(CliSayFormats, OpusWholeAndStreamedAre48kHzOfTheRightLength) {
  for (const char* mode : {"", "--stream"}) {
    const fs::path out = dir_ / (std::string("out") + mode + ".opus");
    auto r = say("-o '" + out.string() + "' " + mode);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto d = decode_with_sndfile(bytes_of(out), ".opus");
    EXPECT_EQ(d.rate, 48000) << mode;
    EXPECT_NEAR(static_cast<double>(d.samples.size()) / 48000, kSeconds, 0.03) << mode;
  }
}

TEST_F(CliSayFormats, AacWholeAndStreamedDecodeWithFfmpeg) {
  for (const char* mode : {"", "--stream"}) {
    const fs::path out = dir_ / (std::string("out") + mode + ".aac");
    auto r = say("-o '" + out.string() + "' " + mode);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("Qavg"), std::string::npos) << "FFmpeg's statistics on stderr: " << r.err;
    const auto d = decode_aac(bytes_of(out));
    EXPECT_EQ(d.rate, 44100) << mode;
    // The encoder's 1024-sample priming and a padded last frame: up to 2048 more.
    EXPECT_GE(d.samples.size(), 11u * 2048) << mode;
    EXPECT_LE(d.samples.size(), 11u * 2048 + 2048) << mode;
  }
}

TEST_F(CliSayFormats, FormatFlagToStdoutAndABadFormatNamed) {
  auto r = say("--format opus -o -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GT(r.out.size(), 100u);
  EXPECT_EQ(r.out.substr(0, 4), "OggS");
  EXPECT_NE(r.out.find("OpusHead"), std::string::npos);

  // OpenAI's pcm: 24 kHz s16le.
  auto pcm = say("--format pcm --sample-rate 24000 -o -");
  ASSERT_EQ(pcm.exit_code, 0) << pcm.err;
  EXPECT_NEAR(static_cast<double>(pcm.out.size()) / 2, kSeconds * 24000, 2.0);
  auto bad_rate = say("--format opus --sample-rate 44100 -o -");
  EXPECT_NE(bad_rate.exit_code, 0);
  EXPECT_NE(bad_rate.err.find("opus takes only"), std::string::npos) << bad_rate.err;

  auto bad = say("--format vorbis -o -");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("unknown audio format 'vorbis'"), std::string::npos) << bad.err;
}

// --speed keeps the pitch and scales the duration, whole and streamed (to within 5%; SoundTouch pads and we trim).
TEST_F(CliSayFormats, SpeedScalesTheDuration) {
  for (double speed : {0.5, 2.0}) {
    for (const char* mode : {"", "--stream"}) {
      const fs::path out = dir_ / ("speed" + std::to_string(speed) + mode + ".wav");
      auto r = say("-o '" + out.string() + "' --speed " + std::to_string(speed) + " " + mode);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const auto d = decode_with_sndfile(bytes_of(out), ".wav");
      EXPECT_EQ(d.rate, 44100);
      EXPECT_NEAR(static_cast<double>(d.samples.size()) / 44100, kSeconds / speed, 0.05 * kSeconds / speed)
          << speed << " " << mode;
    }
  }
  auto bad = say("-o x.wav --speed 5");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--speed"), std::string::npos) << bad.err;
}

}  // namespace
