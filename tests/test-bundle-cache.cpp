// The bundle cache on its own (convert/bundle_cache.h): a fresh conversion is stamped at once, so the first load
// hashes nothing; an untouched bundle is reused; a touched file is caught and the bundle rebuilt with a warning;
// processes sharing the cache convert a key once, and a partial folder is a leftover only when its key's lock is
// free (the pid in its name may be another container's).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/file_lock.h"
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

// Runs `body` in a child process that first waits for a byte on `go` (so several children start at once).
template <class Body>
pid_t spawn(int go, Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    char c;
    int code = ::read(go, &c, 1) == 1 ? 0 : 5;
    try {
      if (code == 0) code = body();
    } catch (...) {
      code = 3;
    }
    ::_exit(code);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST_F(BundleCache, TwoProcessesResolvingOneKeyAtOnceConvertOnceAndBothGetTheBundle) {
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  // Exit 10: this process converted; 11: it reused a bundle that verifies.
  const auto resolver = [&] {
    const convert::ResolvedBundle r = resolve();
    if (!convert::verify_bundle_cached(r.dir).empty()) return 4;
    return r.converted ? 10 : 11;
  };
  const pid_t a = spawn(go[0], resolver), b = spawn(go[0], resolver);
  ASSERT_EQ(::write(go[1], "ab", 2), 2);
  const int ca = wait_for(a), cb = wait_for(b);
  ::close(go[0]);
  ::close(go[1]);
  EXPECT_TRUE((ca == 10 && cb == 11) || (ca == 11 && cb == 10)) << "exits " << ca << ", " << cb
                                                                  << " (10 converted, 11 reused)";
  // One bundle, its lock, no partial left behind.
  const std::vector<std::string> names = entries(cache_ / "bundles");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1], names[0] + ".lock");
  const convert::ResolvedBundle after = resolve();
  EXPECT_FALSE(after.converted);
  EXPECT_EQ(fs::path(after.dir).filename(), names[0]);
}

TEST_F(BundleCache, APartialFolderIsRemovedOnlyWhenItsKeysLockIsFree) {
  const fs::path bundles = cache_ / "bundles";
  // Two leftovers named after pids no process here has, as a replica in another container names them: one whose
  // conversion is still running there (its lock held), one whose converter died (its lock free).
  const fs::path running = bundles / "0123456789abcdef0123.partial-999999999";
  const fs::path dead = bundles / "fedcba9876543210fedc.partial-999999998";
  // And one of the very key this resolve converts, left by a converter killed half way.
  const std::string key = convert::bundle_cache_key(convert::checkpoint_fingerprint(test::kFixture.string()), {});
  const fs::path own = bundles / (key + ".partial-999999997");
  for (const fs::path& p : {running, dead, own}) {
    fs::create_directories(p);
    std::ofstream(p / "llm.json") << "{}";
  }
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const fs::path held = cache_ / "held";
  const pid_t holder = spawn(go[0], [&] {
    FileLock lock(bundles / "0123456789abcdef0123.lock");
    std::ofstream(held) << "1";
    char c;
    return ::read(go[0], &c, 1) == 1 ? 0 : 6;  // holds the lock until the parent has resolved
  });
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  while (!fs::exists(held)) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  const convert::ResolvedBundle r = resolve();
  EXPECT_TRUE(r.converted);
  EXPECT_TRUE(fs::exists(running / "llm.json")) << "deleted a conversion another process is running";
  EXPECT_FALSE(fs::exists(dead)) << "kept the leftover of a conversion nobody runs";
  EXPECT_FALSE(fs::exists(own)) << "kept the leftover of the key it converted";
  EXPECT_EQ(fs::path(r.dir).filename(), key);
  ASSERT_EQ(::write(go[1], "r", 1), 1);
  EXPECT_EQ(wait_for(holder), 0);
  ::close(go[0]);
  ::close(go[1]);
}

TEST_F(BundleCache, ACacheThatCannotBeWrittenIsAnErrorNamingIt) {
  fs::create_directories(cache_);
  std::ofstream(cache_ / "bundles") << "not a folder";
  try {
    resolve();
    FAIL() << "resolved into a cache it cannot write";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    const std::string message = e.what();
    EXPECT_NE(message.find((cache_ / "bundles").string()), std::string::npos) << message;
    EXPECT_NE(message.find("fishtts convert"), std::string::npos) << message;
  }
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
