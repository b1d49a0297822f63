// End to end: `fishtts info` on this machine reports a consistent picture.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "hw/engine_settings.h"
#include "support/cli_runner.h"

namespace {

using fishtts::test::run_cli;

TEST(CliInfo, JsonReportIsConsistentWithThisMachine) {
  auto r = run_cli("info --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);  // throws (fails the test) on invalid JSON

  EXPECT_EQ(j["onnxruntime"]["version"].get<std::string>().rfind("1.", 0), 0u);
  auto providers = j["onnxruntime"]["providers"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(providers.begin(), providers.end(), "CPUExecutionProvider"), providers.end());

  int physical = j["cpu"]["physical_cores"].get<int>();
  int logical = j["cpu"]["logical_cpus"].get<int>();
  EXPECT_GE(physical, 1);
  EXPECT_LE(physical, logical);
  EXPECT_LE(logical, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_FALSE(j["cpu"]["model"].get<std::string>().empty());

  auto total = j["memory"]["total_bytes"].get<std::uint64_t>();
  auto avail = j["memory"]["available_bytes"].get<std::uint64_t>();
  EXPECT_GT(total, 64ull << 20);
  EXPECT_LE(avail, total);

  const auto& s = j["settings"];
  EXPECT_EQ(s["intra_op_threads"]["value"].get<int>(), std::min(physical, 16));
  std::string precision = s["precision"]["value"].get<std::string>();
  EXPECT_TRUE(precision == "fp32" || precision == "int8" || precision == "int4") << precision;
  for (const auto& [name, v] : s.items()) EXPECT_FALSE(v["reason"].get<std::string>().empty()) << name;
}

TEST(CliInfo, OverridesAreReportedAsUserChoices) {
  auto r = run_cli("info --json --threads 3 --precision fp32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["settings"]["intra_op_threads"]["value"].get<int>(), 3);
  EXPECT_EQ(j["settings"]["precision"]["value"].get<std::string>(), "fp32");
  EXPECT_EQ(j["settings"]["precision"]["reason"].get<std::string>(), "set by the user");
}

TEST(CliInfo, BadOverridesFailWithAMessage) {
  auto neg = run_cli("info --threads -2");
  EXPECT_NE(neg.exit_code, 0);
  EXPECT_NE(neg.err.find("threads"), std::string::npos) << neg.err;

  auto bad = run_cli("info --precision fp64");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("fp64"), std::string::npos) << bad.err;
}

// The option checks of `info` and of the model commands list the codec precisions of hw's one table.
TEST(CliInfo, ABadCodecPrecisionListsTheTablesNames) {
  std::string set;
  for (const std::string& n : fishtts::hw::codec_precision_names()) set += (set.empty() ? "" : ",") + n;
  for (const char* command : {"info", "say hi -o /dev/null"}) {
    auto bad = run_cli(std::string(command) + " --codec-precision fp16");
    EXPECT_NE(bad.exit_code, 0) << command;
    EXPECT_NE(bad.err.find("fp16 not in {" + set + "}"), std::string::npos) << command << ": " << bad.err;
  }
  auto help = run_cli("say --help");
  EXPECT_NE(help.out.find(fishtts::hw::codec_precision_help()), std::string::npos) << help.out;
}

TEST(CliInfo, TextReportNamesTheRuntimeAndSettings) {
  auto r = run_cli("info");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("onnxruntime"), std::string::npos);
  EXPECT_NE(r.out.find("intra_op_threads"), std::string::npos);
}

}  // namespace
