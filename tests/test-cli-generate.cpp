// End to end: `fishtts convert` and `fishtts generate` on the tiny checkpoint reproduce upstream's codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "io/npy.h"
#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using fishtts::test::run_cli;

const fs::path kFixture = FISHTTS_FIXTURE_DIR;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("fishtts-cli-gen-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(counter++));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  static inline int counter = 0;
};

std::vector<int32_t> codes_of(const fs::path& p) { return fishtts::io::npy_to_int32(fishtts::io::read_npy(p), p.string()); }

TEST(CliGenerate, GreedyFromTheCheckpointFolderReproducesUpstream) {
  TempDir tmp;
  const fs::path out = tmp.path / "codes.npy";
  auto r = run_cli("generate --model '" + kFixture.string() + "' --text 'Hello world.' --greedy --repetition-penalty 1.0 "
                   "--max-new-tokens 21 --precision fp32 --sample-space full -q -o '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fishtts::io::NpyArray a = fishtts::io::read_npy(out);
  EXPECT_EQ(a.dtype, fishtts::io::NpyDtype::kInt64);  // like upstream's codes_N.npy
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{10, 20}));
  EXPECT_EQ(codes_of(out), codes_of(kFixture / "golden" / "gen_plain_codes.npy"));
}

TEST(CliGenerate, ConvertedBundleWithAReferenceReproducesUpstream) {
  TempDir tmp;
  const fs::path bundle = tmp.path / "bundle";
  // Full heads: upstream's greedy path picks text tokens now and then, which the semantic heads exclude.
  auto c = run_cli("convert --model '" + kFixture.string() + "' --precision fp32 --sample-space full --out '" +
                   bundle.string() + "'");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ASSERT_TRUE(fs::exists(bundle / "slow.onnx"));
  const fs::path out = tmp.path / "codes.npy";
  auto r = run_cli("generate --model '" + bundle.string() + "' --text 'Now say something new.' "
                   "--prompt-text 'This is the reference voice.' --prompt-tokens '" +
                   (kFixture / "golden" / "prompt_ref1_ref0_codes.npy").string() +
                   "' --greedy --max-new-tokens 21 -q -o '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(codes_of(out), codes_of(kFixture / "golden" / "gen_ref1_codes.npy"));
}

TEST(CliGenerate, BadArgumentsFailWithAMessage) {
  auto unpaired = run_cli("generate --model '" + kFixture.string() + "' --text hi --prompt-text 'x' -o /dev/null");
  EXPECT_NE(unpaired.exit_code, 0);
  EXPECT_NE(unpaired.err.find("pairs"), std::string::npos) << unpaired.err;

  auto no_text = run_cli("generate --model '" + kFixture.string() + "' -o /dev/null");
  EXPECT_NE(no_text.exit_code, 0);
  EXPECT_NE(no_text.err.find("--text"), std::string::npos) << no_text.err;

  auto bad_model = run_cli("generate --model /nonexistent --text hi -o /dev/null");
  EXPECT_NE(bad_model.exit_code, 0);
  EXPECT_NE(bad_model.err.find("/nonexistent"), std::string::npos) << bad_model.err;

  auto bad_temp = run_cli("generate --model '" + kFixture.string() + "' --text hi --temperature 5 -o /dev/null");
  EXPECT_NE(bad_temp.exit_code, 0);
  EXPECT_NE(bad_temp.err.find("temperature"), std::string::npos) << bad_temp.err;
}

}  // namespace
