// What an engine reports is what it runs: the threads of ONNX Runtime's one thread pool per process, and the
// codec precision of the bundle it loaded. ctest runs every case in a process of its own, so each starts with no
// thread pool yet.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <unistd.h>

#include "fishtts/fishtts.hpp"
#include "hw/cpu_info.h"
#include "hw/engine_settings.h"
#include "ort/env.h"
#include "pipeline/model_resolver.h"

namespace {

namespace fs = std::filesystem;
using fishtts::capi::Engine;

class EngineReport : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = fs::temp_directory_path() / ("fishtts-engine-settings-" + std::to_string(::getpid()));
    fs::remove_all(cache_);
  }
  void TearDown() override { fs::remove_all(cache_); }

  fishtts_engine_params params(int threads, fishtts_codec_precision codec) const {
    fishtts_engine_params p = fishtts_engine_default_params();
    p.model_path = FISHTTS_FIXTURE_DIR;
    p.cache_dir = cache_.c_str();
    p.precision = FISHTTS_PRECISION_FP32;
    p.codec_precision = codec;
    p.threads = threads;
    return p;
  }

  // Not what this machine would pick, so a pool made with the defaults shows.
  static int non_default_threads() { return fishtts::hw::choose_settings(fishtts::hw::detect_cpu()).intra_op_threads + 1; }

  fs::path cache_;
};

// The int8 codec's calibration runs ONNX Runtime during the conversion; it used to create the pool with the
// default threads first, so --threads was silently dropped on every cold int8 conversion.
TEST_F(EngineReport, ThreadsHoldThroughAColdInt8CodecConversion) {
  const int threads = non_default_threads();
  Engine engine(params(threads, FISHTTS_CODEC_PRECISION_INT8));
  const fishtts_engine_info info = engine.info();
  ASSERT_EQ(info.converted, 1);
  EXPECT_STREQ(info.codec_precision, "int8");
  EXPECT_EQ(fishtts::ort::intra_op_threads(), threads);
  EXPECT_EQ(info.threads, threads);
}

// The C edge names its codec precision constants from hw's one table.
TEST_F(EngineReport, ABadCodecPrecisionNamesTheCConstants) {
  fishtts_engine_params p = params(1, static_cast<fishtts_codec_precision>(9));
  fishtts_engine* engine = nullptr;
  EXPECT_EQ(fishtts_engine_create(&p, &engine), FISHTTS_INVALID_ARGUMENT);
  EXPECT_EQ(engine, nullptr);
  EXPECT_STREQ(fishtts_last_error(),
               "fishtts_engine_params.codec_precision is 9; expected FISHTTS_CODEC_PRECISION_AUTO, _FP32, _BF16, "
               "_BF16X3, _INT8");
}

// The commands that convert without an engine (convert, encode, decode, generate, the bench) go through
// resolve_model: it sizes the pool first, so the calibration of a cold int8 conversion runs on the threads asked
// for and the pool keeps them.
TEST_F(EngineReport, ThreadsHoldThroughAColdInt8ConversionWithoutAnEngine) {
  const int threads = non_default_threads();
  fishtts::pipeline::EngineParams p;
  p.model_path = FISHTTS_FIXTURE_DIR;
  p.cache_dir = cache_.string();
  p.overrides.threads = threads;
  p.overrides.precision = fishtts::hw::Precision::kFp32;
  p.overrides.codec_precision = fishtts::hw::CodecPrecision::kInt8;
  const fishtts::hw::EngineSettings settings = fishtts::hw::choose_settings(fishtts::hw::detect_cpu(), p.overrides);
  const fishtts::convert::ResolvedBundle b = fishtts::pipeline::resolve_model(p, settings);
  ASSERT_TRUE(b.converted);
  EXPECT_EQ(fishtts::ort::intra_op_threads(), threads);
  EXPECT_TRUE(b.warnings.empty()) << b.warnings.front();
}

// A second engine cannot resize the process's pool: it shares it, reports the threads it really has, and warns.
TEST_F(EngineReport, ASecondEngineReportsTheSharedPoolsThreads) {
  const int first_threads = non_default_threads();
  Engine first(params(first_threads, FISHTTS_CODEC_PRECISION_FP32));
  Engine second(params(first_threads + 1, FISHTTS_CODEC_PRECISION_FP32));
  EXPECT_EQ(first.info().threads, first_threads);
  EXPECT_EQ(second.info().threads, first_threads);
  EXPECT_EQ(fishtts::ort::intra_op_threads(), first_threads);
  const std::string warnings = second.info().warnings;
  EXPECT_NE(warnings.find("thread pool is one per process"), std::string::npos) << warnings;
  EXPECT_EQ(std::string(first.info().warnings).find("thread pool"), std::string::npos);
}

// Given a converted bundle folder, the settings do not reconvert it: the report is the bundle's precision.
TEST_F(EngineReport, ABundleFolderReportsTheCodecPrecisionItHolds) {
  std::string bundle;
  {
    Engine converted(params(1, FISHTTS_CODEC_PRECISION_FP32));
    bundle = converted.info().bundle_dir;
    EXPECT_STREQ(converted.info().codec_precision, "fp32");
  }
  fishtts_engine_params p = params(1, FISHTTS_CODEC_PRECISION_INT8);
  p.model_path = bundle.c_str();
  Engine loaded(p);
  EXPECT_EQ(loaded.info().converted, 0);
  EXPECT_STREQ(loaded.info().codec_precision, "fp32");
  const std::string warnings = loaded.info().warnings;
  EXPECT_NE(warnings.find("converted in fp32, not the int8 asked for"), std::string::npos) << warnings;
}

}  // namespace
