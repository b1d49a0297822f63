// Several processes on one reference folder (replicas sharing a voices volume): the folder lock excludes other
// processes, and concurrent adds, renames and deletes from two processes never leave a voice that cannot load.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "audio/audio_io.h"
#include "common/error.h"
#include "pipeline/folder_lock.h"
#include "pipeline/reference_store.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

fs::path scratch(const std::string& tag) {
  const fs::path p = fs::temp_directory_path() / ("fishtts-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// Runs `body` in a child process; returns its exit status.
template <class Body>
pid_t spawn(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      code = body();
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

TEST(ReferenceStoreProcesses, TheFolderLockExcludesOtherProcesses) {
  const fs::path dir = scratch("folder-lock");
  const fs::path held = dir / "held";
  const pid_t child = spawn([&] {
    pipeline::FolderLock lock(dir);
    std::ofstream(held) << "1";
    std::this_thread::sleep_for(400ms);
    return 0;
  });
  while (!fs::exists(held)) std::this_thread::sleep_for(5ms);
  const auto start = Clock::now();
  {
    pipeline::FolderLock lock(dir);  // waits for the child to let go
    EXPECT_GT(Clock::now() - start, 250ms);
  }
  EXPECT_EQ(wait_for(child), 0);
  fs::remove_all(dir);
}

TEST(ReferenceStoreProcesses, TwoProcessesChangingOneFolderNeverCorruptIt) {
  const fs::path root = scratch("store-processes");
  const std::vector<float> tone(4410, 0.2f);
  const std::vector<std::uint8_t> wav = audio::encode_audio(tone, 44100, audio::AudioFormat::kWav);
  // Each process adds, renames and deletes its own voices and fights over one shared id.
  const auto churn = [&](const std::string& me) {
    pipeline::ReferenceStore store(root);
    const auto until = Clock::now() + 3s;
    for (int i = 0; Clock::now() < until; ++i) {
      const std::string a = me + "-" + std::to_string(i % 5), b = a + "-renamed";
      try { store.add(a, wav, "Hello."); } catch (const Error&) {}
      try { store.rename(a, b); } catch (const Error&) {}
      try { store.add("shared", wav, "Shared."); } catch (const Error&) {}
      if (i % 2 == 0) try { store.remove(b); } catch (const Error&) {}
      if (i % 3 == 0) try { store.remove("shared"); } catch (const Error&) {}
    }
    return 0;
  };
  const pid_t child = spawn([&] { return churn("child"); });
  churn("parent");
  EXPECT_EQ(wait_for(child), 0);
  pipeline::ReferenceStore store(root);
  const std::vector<std::string> ids = store.list();
  EXPECT_FALSE(ids.empty());
  for (const std::string& id : ids) {
    EXPECT_NO_THROW({
      const auto clips = store.load(id);
      ASSERT_EQ(clips.size(), 1u) << id;
      EXPECT_EQ(clips[0].samples.size(), tone.size()) << id;
    }) << id;
  }
  fs::remove_all(root);
}

}  // namespace
