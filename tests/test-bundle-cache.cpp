// The bundle cache on its own (convert/bundle_cache.h): a fresh conversion is stamped at once, so the first load
// hashes nothing; an untouched bundle is reused; a touched file is caught and the bundle rebuilt with a warning.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "convert/bundle_cache.h"
#include "convert/model_file.h"
#include "support/golden.h"

namespace fs = std::filesystem;
using namespace fishtts;

namespace {

class BundleCache : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = fs::temp_directory_path() / ("fishtts-bundle-cache-test-" + std::to_string(::getpid()));
    fs::remove_all(cache_);
  }
  void TearDown() override { fs::remove_all(cache_); }

  convert::ResolvedBundle resolve() { return convert::resolve_bundle(test::kFixture.string(), {}, cache_); }

  fs::path cache_;
};

TEST_F(BundleCache, AFreshConversionIsStampedAndReusedWithoutConverting) {
  const convert::ResolvedBundle first = resolve();
  EXPECT_TRUE(first.converted);
  const fs::path stamp = fs::path(first.dir) / "verified.json";
  ASSERT_TRUE(fs::exists(stamp)) << "the converter did not record the bundle it had just hashed";
  const auto stamped_at = fs::last_write_time(stamp);

  const convert::ResolvedBundle second = resolve();
  EXPECT_FALSE(second.converted);
  EXPECT_EQ(second.dir, first.dir);
  EXPECT_TRUE(second.warnings.empty());
  EXPECT_EQ(fs::last_write_time(stamp), stamped_at);  // trusted from the stamp: no second full check
}

TEST_F(BundleCache, ATouchedFileIsCaughtAndTheBundleRebuilt) {
  const convert::ResolvedBundle first = resolve();
  {
    std::ofstream grow(fs::path(first.dir) / "llm.json", std::ios::app);
    grow << " ";
  }
  EXPECT_NE(convert::verify_bundle_cached(first.dir), "");
  const convert::ResolvedBundle again = resolve();
  EXPECT_TRUE(again.converted);
  ASSERT_EQ(again.warnings.size(), 1u);
  EXPECT_NE(again.warnings[0].find("is broken"), std::string::npos) << again.warnings[0];
  EXPECT_EQ(convert::verify_bundle_cached(again.dir), "");
}

// Weights live in each graph's side file, so ONNX Runtime maps them instead of parsing a 1 GB proto and copying
// it to its heap (S1-mini int4: peak RSS 2,495 -> 1,613 MB, load 5.5 -> 1.3-1.6 s). A missing side file is a
// broken bundle, rebuilt like any other.
TEST_F(BundleCache, WeightsAreInSideFilesThatTheCheckCovers) {
  const convert::ResolvedBundle bundle = resolve();
  int graphs = 0;
  for (const auto& e : fs::directory_iterator(bundle.dir)) {
    if (e.path().extension() != ".onnx") continue;
    ++graphs;
    const onnx::ModelProto model = convert::load_model(e.path().string());
    int external = 0;
    for (const onnx::TensorProto& t : model.graph().initializer()) {
      EXPECT_LT(t.raw_data().size(), convert::kBundleSaveOptions.min_external_tensor_bytes)
          << t.name() << " of " << e.path().filename() << " is inline";
      external += t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL;
    }
    EXPECT_GT(external, 0) << e.path().filename();
    EXPECT_TRUE(fs::exists(convert::external_data_path(e.path().string()))) << e.path().filename();
  }
  EXPECT_EQ(graphs, 4);  // slow, fast, codec decode and encode

  fs::remove(fs::path(bundle.dir) / "slow.onnx.data");
  EXPECT_NE(convert::verify_bundle_cached(bundle.dir), "");
  const convert::ResolvedBundle again = resolve();
  EXPECT_TRUE(again.converted);
  EXPECT_TRUE(fs::exists(fs::path(again.dir) / "slow.onnx.data"));
}

}  // namespace
