// `fishtts encode` / `fishtts decode` end to end on the tiny checkpoint folder (converted on the fly): the golden
// chirp as a WAV file gives the golden codes file byte for byte, decoding them gives one frame of audio per code
// column, and bad inputs exit with status 1 and an "error:" line naming the problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "audio/audio_io.h"
#include "io/npy.h"
#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

const fs::path kFixture = FISHTTS_FIXTURE_DIR;

using test::read_text_file;

class CodecCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fishtts-codec-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the CLI with `args`; returns the exit status, stderr in `err`.
  int run(const std::string& args, std::string& err) {
    const fs::path log = dir_ / "stderr.txt";
    const std::string cmd = std::string(FISHTTS_CLI) + " " + args + " 2> " + log.string() + " > /dev/null";
    const int status = std::system(cmd.c_str());
    err = read_text_file(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // The golden int16 chirp as a 16-bit WAV file.
  fs::path chirp_wav() {
    std::vector<float> samples;
    for (int32_t v : io::npy_to_int32(io::read_npy(kFixture / "golden" / "encode_pcm16.npy"), "encode_pcm16")) {
      samples.push_back(static_cast<float>(v) / 32768.0f);
    }
    const fs::path wav = dir_ / "chirp.wav";
    audio::write_audio_file(wav, samples, 44100, audio::AudioFormat::kWav);
    return wav;
  }

  fs::path dir_;
};

TEST_F(CodecCli, EncodeGivesTheGoldenCodesAndDecodeGivesOneFramePerColumn) {
  std::string err;
  const fs::path codes = dir_ / "codes.npy";
  ASSERT_EQ(run("encode --model " + kFixture.string() + " " + chirp_wav().string() + " -o " + codes.string(), err), 0) << err;
  EXPECT_EQ(read_text_file(codes), read_text_file(kFixture / "golden" / "encode_codes.npy"));

  const fs::path wav = dir_ / "out.wav";
  ASSERT_EQ(run("decode --model " + kFixture.string() + " " + codes.string() + " -o " + wav.string(), err), 0) << err;
  std::vector<float> audio = audio::read_audio_file(wav);
  EXPECT_EQ(audio.size(), 33u * 2048u);
  float peak = 0;
  for (float s : audio) peak = std::max(peak, std::abs(s));
  EXPECT_GT(peak, 0.0f);
}

TEST_F(CodecCli, BadInputsExitWithAClearError) {
  std::string err;
  // Empty audio file.
  const fs::path empty = dir_ / "empty.wav";
  std::ofstream(empty).close();
  EXPECT_EQ(run("encode --model " + kFixture.string() + " " + empty.string() + " -o " + (dir_ / "c.npy").string(), err), 1);
  EXPECT_NE(err.find("error:"), std::string::npos) << err;
  // Codes with the wrong number of rows.
  std::vector<int64_t> nine(9 * 4, 1);
  const fs::path bad = dir_ / "nine.npy";
  io::write_npy(bad, io::make_npy({9, 4}, std::span<const int64_t>(nine)));
  EXPECT_EQ(run("decode --model " + kFixture.string() + " " + bad.string() + " -o " + (dir_ / "o.wav").string(), err), 1);
  EXPECT_NE(err.find("9 rows"), std::string::npos) << err;
  // A 1-D array.
  const fs::path flat = dir_ / "flat.npy";
  io::write_npy(flat, io::make_npy({36}, std::span<const int64_t>(nine)));
  EXPECT_EQ(run("decode --model " + kFixture.string() + " " + flat.string() + " -o " + (dir_ / "o.wav").string(), err), 1);
  EXPECT_NE(err.find("2-D"), std::string::npos) << err;
}

}  // namespace
