// End to end: `fishtts bench --quick` on the tiny checkpoint (two precisions, one thread count, small sizes via
// the hidden flags): the JSON's structure and sanity (positive medians, RTF consistent with ms per frame, fp32
// quality vs itself exact, a bound for every result) and a Markdown table that names every workload.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using fishtts::test::read_text_file;
using fishtts::test::run_cli;

const fs::path kFixture = FISHTTS_FIXTURE_DIR;

class CliBench : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fishtts-cli-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

const nlohmann::json* find_result(const nlohmann::json& results, const std::string& workload,
                                  const std::string& precision) {
  for (const auto& r : results) {
    if (r["workload"] == workload && r["precision"] == precision) return &r;
  }
  return nullptr;
}

TEST_F(CliBench, QuickRunWritesSaneJsonAndATablePerWorkload) {
  const fs::path json = dir_ / "r.json", md = dir_ / "B.md";
  auto r = run_cli("bench --quick --model '" + kFixture.string() + "' --cache-dir '" + (dir_ / "cache").string() +
                   "' --precision fp32,int8 --threads 1 --prefill-tokens 24 --frames 6 --codec-seconds 0.5"
                   " --bound-mb 16 --json '" + json.string() + "' --markdown '" + md.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json report = nlohmann::json::parse(read_text_file(json));

  const nlohmann::json& machine = report.at("machine");
  EXPECT_FALSE(machine.at("cpu").get<std::string>().empty());
  EXPECT_FALSE(machine.at("onnxruntime").get<std::string>().empty());
  EXPECT_EQ(machine.at("loadavg_start").size(), 3u);
  EXPECT_EQ(machine.at("loadavg_end").size(), 3u);
  EXPECT_TRUE(report.at("failures").empty()) << report["failures"].dump();
  ASSERT_FALSE(report.at("bounds").empty());
  for (const auto& b : report["bounds"]) {
    EXPECT_GT(b.at("read_gbps").get<double>(), 0);
    EXPECT_GT(b.at("fma_gflops").get<double>(), 0);
    EXPECT_EQ(b.at("threads").get<int>(), 1);
  }

  std::set<std::string> workloads;
  for (const auto& res : report.at("results")) {
    const std::string name = res.at("workload").get<std::string>() + "/" + res.at("precision").get<std::string>();
    workloads.insert(res["workload"].get<std::string>());
    const double median = res.at("median_ms").get<double>();
    EXPECT_GT(median, 0) << name;
    EXPECT_LE(res.at("min_ms").get<double>(), median) << name;
    EXPECT_GE(res.at("max_ms").get<double>(), median) << name;
    EXPECT_EQ(res.at("runs_ms").size(), 1u) << name;
    EXPECT_GT(res.at("peak_rss_bytes").get<double>(), 0) << name;
    EXPECT_GT(res.at("bound").at("ms").get<double>(), 0) << name;
    EXPECT_GT(res.at("bound_ratio").get<double>(), 0) << name;
    if (res.contains("rtf")) {
      const double audio = res.at("audio_seconds").get<double>();
      EXPECT_NEAR(res["rtf"].get<double>(), median / 1000 / audio, 1e-9) << name;
      if (res.contains("ms_per_frame")) {
        EXPECT_NEAR(res["ms_per_frame"].get<double>() * res.at("frames").get<double>(), median, 1e-6 * median) << name;
        // Audio seconds per frame is the codec's frame length: 2048 / 44100.
        EXPECT_NEAR(audio / res["frames"].get<double>(), 2048.0 / 44100.0, 1e-9) << name;
      }
    }
  }
  EXPECT_EQ(workloads, (std::set<std::string>{"prefill", "generate", "say", "first_audio", "codec_decode",
                                               "codec_encode"}));

  for (const char* precision : {"fp32", "int8"}) {
    for (const char* w : {"prefill", "generate", "say", "first_audio"}) {
      EXPECT_NE(find_result(report["results"], w, precision), nullptr) << w << " " << precision;
    }
  }
  const nlohmann::json* fp32 = find_result(report["results"], "prefill", "fp32");
  const nlohmann::json* int8 = find_result(report["results"], "prefill", "int8");
  ASSERT_TRUE(fp32 && int8);
  EXPECT_DOUBLE_EQ(fp32->at("quality").at("slow_cosine").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(fp32->at("quality").at("fast_cosine").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(fp32->at("quality").at("slow_top1").get<double>(), 1.0);
  const double int8_cosine = int8->at("quality").at("slow_cosine").get<double>();
  EXPECT_GT(int8_cosine, 0.9);
  EXPECT_LT(int8_cosine, 1.0);  // int8 weights do change the logits
  // KL vs fp32 over prefill + 50 teacher-forced steps: 0 for fp32 itself, small but not 0 for int8.
  const nlohmann::json& q8 = int8->at("quality");
  EXPECT_EQ(fp32->at("quality").at("slow_kl").get<double>(), 0.0);
  EXPECT_EQ(fp32->at("quality").at("fast_kl").get<double>(), 0.0);
  EXPECT_GT(q8.at("slow_kl").get<double>(), 0.0);
  EXPECT_LT(q8.at("slow_kl").get<double>(), 0.05);
  EXPECT_GT(q8.at("fast_kl").get<double>(), 0.0);
  EXPECT_GE(q8.at("fast_kl_max").get<double>(), q8.at("fast_kl").get<double>());
  EXPECT_EQ(q8.at("teacher_forced_steps").get<int>(), 50);
  EXPECT_EQ(q8.at("slow_vectors").get<int>(), 51);
  EXPECT_EQ(q8.at("fast_vectors").get<int>(), 51 * 9);
  EXPECT_EQ(q8.at("slow_fp32_p_top1"), fp32->at("quality").at("slow_fp32_p_top1"));
  const nlohmann::json* decode = find_result(report["results"], "codec_decode", "fp32");
  ASSERT_NE(decode, nullptr);
  EXPECT_TRUE(decode->at("quality").at("snr_db").is_null());  // fp32 vs itself: identical

  const std::string table = read_text_file(md);
  EXPECT_NE(table.find("make bench"), std::string::npos);
  EXPECT_NE(table.find("docs/memory.md"), std::string::npos);
  for (const std::string& w : workloads) EXPECT_NE(table.find("| " + w + " |"), std::string::npos) << w;
}

// --quality-only: the transformer jobs stop after the prefill and its logit comparison, at the first thread count;
// the markdown's quality table has a row per precision.
TEST_F(CliBench, QualityOnlyRunsThePrefillAndTheComparison) {
  const fs::path json = dir_ / "q.json", md = dir_ / "Q.md";
  auto r = run_cli("bench --quality-only --model '" + kFixture.string() + "' --cache-dir '" + (dir_ / "cache").string() +
                   "' --precision int8,fp32 --parts llm --threads 1,2 --runs 1 --warmup 0 --prefill-tokens 24"
                   " --bound-mb 16 --json '" + json.string() + "' --markdown '" + md.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json report = nlohmann::json::parse(read_text_file(json));
  ASSERT_EQ(report.at("results").size(), 2u) << report["results"].dump();
  for (const auto& res : report["results"]) {
    EXPECT_EQ(res.at("workload"), "prefill");
    EXPECT_EQ(res.at("threads"), 1);
    EXPECT_TRUE(res.at("quality").contains("slow_kl"));
  }
  EXPECT_TRUE(report.at("config").at("quality_only").get<bool>());
  const std::string table = read_text_file(md);
  EXPECT_NE(table.find("## Transformer quality vs fp32"), std::string::npos);
  EXPECT_NE(table.find("| int8 | 1 | "), std::string::npos);
  EXPECT_NE(report.at("command").get<std::string>().find("--quality-only"), std::string::npos);
}

// A codec-only rerun merged into the first run's report: its codec results replace the earlier ones, the
// transformer results are kept, and the int8 codec gets an SNR vs the fp32 codec of the same run.
TEST_F(CliBench, CodecRerunMergesIntoAnEarlierReport) {
  const std::string common = "bench --quick --model '" + kFixture.string() + "' --cache-dir '" + (dir_ / "cache").string() +
                             "' --precision fp32 --threads 1 --prefill-tokens 24 --frames 6 --codec-seconds 0.5"
                             " --bound-mb 16 --markdown '" + (dir_ / "B.md").string() + "'";
  auto first = run_cli(common + " --codec-precision fp32 --json '" + (dir_ / "a.json").string() + "'");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // int8 first: the fp32 reference must still run first ("cannot open .../codec_decode.npy" before).
  auto second = run_cli(common + " --parts codec --codec-precision int8,fp32 --merge '" + (dir_ / "a.json").string() +
                        "' --json '" + (dir_ / "b.json").string() + "'");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const nlohmann::json a = nlohmann::json::parse(read_text_file(dir_ / "a.json"));
  const nlohmann::json b = nlohmann::json::parse(read_text_file(dir_ / "b.json"));
  EXPECT_EQ(find_result(a["results"], "codec_decode", "int8"), nullptr);
  EXPECT_EQ(b.at("merged").size(), 1u);
  EXPECT_EQ(b["results"].size(), a["results"].size() + 2);  // + int8 decode and encode
  const nlohmann::json* kept = find_result(b["results"], "generate", "fp32");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, *find_result(a["results"], "generate", "fp32"));
  const nlohmann::json* rerun = find_result(b["results"], "codec_decode", "fp32");
  ASSERT_NE(rerun, nullptr);
  EXPECT_NE(rerun->at("runs_ms"), find_result(a["results"], "codec_decode", "fp32")->at("runs_ms"));
  const nlohmann::json* int8 = find_result(b["results"], "codec_decode", "int8");
  ASSERT_NE(int8, nullptr);
  const double snr = int8->at("quality").at("snr_db").get<double>();
  EXPECT_GT(snr, 0);
  EXPECT_LT(snr, 60);  // int8 convolutions change the audio
}

TEST_F(CliBench, UnknownPrecisionIsRefused) {
  auto r = run_cli("bench --precision fp16 --json '" + (dir_ / "r.json").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("fp16"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "r.json"));
}

}  // namespace
