// `fishtts encode` / `fishtts decode` end to end on the tiny checkpoint folder (converted on the fly): the golden
// chirp as a WAV file gives the golden codes file byte for byte, decoding them gives one frame of audio per code
// column, and bad inputs exit with status 1 and an "error:" line naming the problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "audio/audio_io.h"
#include "hw/cpu_info.h"
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

// --codec-precision bf16x3 from the CLI: within 70 dB of the fp32 decode, and the streamed decode (other call
// lengths) sample for sample the whole one (the float WAV's PEAK chunk carries a time stamp, so not the bytes).
TEST_F(CodecCli, SplitBf16DecodeIsCloseToFp32AndStreamsIdentically) {
  if (!hw::detect_cpu().isa.avx512f) GTEST_SKIP() << "oneDNN's bf16 kernels need AVX-512";
  const std::string codes = (kFixture / "golden" / "decode_codes.npy").string();
  std::string err;
  auto decode = [&](const std::string& precision, const std::string& extra, const std::string& name) {
    const fs::path out = dir_ / name;
    EXPECT_EQ(run("decode --model " + kFixture.string() + " --codec-precision " + precision + " --format wav-float " +
                      extra + " " + codes + " -o " + out.string(),
                  err),
              0)
        << err;
    return out;
  };
  const std::vector<float> fp32 = audio::read_audio_file(decode("fp32", "", "fp32.wav"));
  const fs::path whole = decode("bf16x3", "", "bf16x3.wav");
  const std::vector<float> bf16x3 = audio::read_audio_file(whole);
  ASSERT_EQ(bf16x3.size(), fp32.size());
  double signal = 0, noise = 0;
  for (size_t i = 0; i < fp32.size(); ++i) {
    signal += double(fp32[i]) * fp32[i];
    noise += (double(fp32[i]) - bf16x3[i]) * (double(fp32[i]) - bf16x3[i]);
  }
  const double snr = 10.0 * std::log10(signal / std::max(noise, 1e-30));
  std::printf("fishtts decode --codec-precision bf16x3: SNR %.1f dB vs fp32\n", snr);
  EXPECT_GT(snr, 70.0);
  EXPECT_EQ(audio::read_audio_file(decode("bf16x3", "--stream-chunk 3", "streamed.wav")), bf16x3);
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
