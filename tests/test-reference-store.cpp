// The reference-voice store: round trips (add / list / load / rename / remove), id rules, atomic adds that
// leave nothing behind on failure, the per-codec codes cache and its invalidation, folders laid out by
// upstream (several clips in natural order), concurrent readers with a writer, and `fishtts references` end
// to end. Everything runs in temporary folders with a counting fake encoder, so it needs no model.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio/audio_io.h"
#include "common/error.h"
#include "io/npy.h"
#include "pipeline/natural_order.h"
#include "pipeline/reference_id.h"
#include "pipeline/reference_store.h"
#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;
using pipeline::ReferenceStore;

std::vector<float> tone(int rate, double seconds, double hz = 440.0) {
  std::vector<float> s(static_cast<std::size_t>(rate * seconds));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = 0.5f * static_cast<float>(std::sin(2 * M_PI * hz * i / rate));
  return s;
}

std::vector<std::uint8_t> wav_bytes(int rate, double seconds, double hz = 440.0) {
  return audio::encode_audio(tone(rate, seconds, hz), rate, audio::AudioFormat::kWav);
}

void write_bytes(const fs::path& p, std::span<const std::uint8_t> bytes) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<std::streamsize>(bytes.size()));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The error code a call throws, or nothing.
template <typename F>
std::optional<ErrorCode> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

// A stand-in for the codec: 10 codebooks, one frame per 2048 samples, values from the samples; counts calls.
struct FakeEncoder {
  std::atomic<int> calls{0};
  pipeline::EncodeFn fn() {
    return [this](std::span<const float> samples) {
      ++calls;
      text::IntMatrix m;
      m.rows = 10;
      m.cols = (samples.size() + 2047) / 2048;
      m.values.resize(m.rows * m.cols);
      for (std::size_t i = 0; i < m.values.size(); ++i) {
        m.values[i] = static_cast<int32_t>(std::lround(std::fabs(samples[(i * 97) % samples.size()]) * 1000));
      }
      return m;
    };
  }
};

class ReferenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("fishtts-refs-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> root_entries() const {
    std::vector<std::string> names;
    if (!fs::exists(root_)) return names;
    for (const auto& e : fs::directory_iterator(root_)) {
      const std::string name = e.path().filename().string();
      if (name != ".lock") names.push_back(name);  // the folder lock every change takes (folder_lock.h)
    }
    return names;
  }

  fs::path root_;
};

TEST_F(ReferenceStoreTest, AddListLoadRenameRemoveRoundTrip) {
  ReferenceStore store(root_);
  EXPECT_TRUE(store.list().empty());  // absent root: empty, not an error
  EXPECT_FALSE(fs::exists(root_));

  // 22.05 kHz input is stored and loaded at 44.1 kHz.
  store.add("voice B", wav_bytes(22050, 1.0), "hello there");
  store.add("alpha-1_x", wav_bytes(44100, 0.5), "zweite Stimme, grüß dich");
  EXPECT_EQ(store.list(), (std::vector<std::string>{"alpha-1_x", "voice B"}));
  EXPECT_TRUE(store.contains("voice B"));
  EXPECT_FALSE(store.contains("nobody"));
  EXPECT_FALSE(store.contains("../etc"));

  EXPECT_EQ(slurp(root_ / "voice B" / "sample.lab"), "hello there");
  const std::vector<float> stored = audio::read_audio_file(root_ / "voice B" / "sample.wav");
  const std::string header = slurp(root_ / "voice B" / "sample.wav").substr(0, 44);
  uint32_t rate = 0;
  uint16_t channels = 0, bits = 0;
  std::memcpy(&channels, header.data() + 22, 2);
  std::memcpy(&rate, header.data() + 24, 4);
  std::memcpy(&bits, header.data() + 34, 2);
  EXPECT_EQ(header.substr(0, 4), "RIFF");
  EXPECT_EQ(rate, 44100u);
  EXPECT_EQ(channels, 1);
  EXPECT_EQ(bits, 16);

  std::vector<pipeline::ReferenceClip> clips = store.load("voice B");
  ASSERT_EQ(clips.size(), 1u);
  EXPECT_EQ(clips[0].text, "hello there");
  EXPECT_NEAR(static_cast<double>(clips[0].samples.size()), 44100.0, 64.0);
  EXPECT_EQ(clips[0].samples.size(), stored.size());
  float peak = 0;
  for (float v : clips[0].samples) peak = std::max(peak, std::fabs(v));
  EXPECT_NEAR(peak, 0.5f, 0.02f);

  store.rename("voice B", "voice C");
  EXPECT_EQ(store.list(), (std::vector<std::string>{"alpha-1_x", "voice C"}));
  EXPECT_EQ(store.load("voice C")[0].text, "hello there");
  EXPECT_EQ(error_of([&] { store.load("voice B"); }), ErrorCode::kNotFound);

  store.remove("alpha-1_x");
  EXPECT_EQ(store.list(), (std::vector<std::string>{"voice C"}));
  EXPECT_EQ(root_entries(), (std::vector<std::string>{"voice C"}));  // no temporary or trash folder left
}

TEST_F(ReferenceStoreTest, AddFromFileInAnotherFormat) {
  fs::create_directories(root_.parent_path());
  const fs::path flac = fs::temp_directory_path() / ("fishtts-refs-" + std::to_string(::getpid()) + ".flac");
  audio::write_audio_file(flac, tone(16000, 0.25), 16000, audio::AudioFormat::kFlac);
  ReferenceStore store(root_);
  store.add_file("from flac", flac, "text");
  fs::remove(flac);
  EXPECT_EQ(slurp(root_ / "from flac" / "sample.wav").substr(8, 4), "WAVE");
  EXPECT_NEAR(static_cast<double>(store.load("from flac")[0].samples.size()), 44100 * 0.25, 64.0);
  EXPECT_EQ(error_of([&] { store.add_file("missing", root_ / "nope.wav", "t"); }), ErrorCode::kNotFound);
}

TEST_F(ReferenceStoreTest, BadIdsAreRefusedEverywhere) {
  ReferenceStore store(root_);
  store.add("ok", wav_bytes(44100, 0.1), "t");
  const std::vector<std::string> bad = {
      "../x", "a/b", "", std::string(256, 'a'), "..", ".", std::string("a\0b", 3), "a.b", "/abs", "x\\y", "tab\t",
      "\xc3\xa9"};
  for (const std::string& id : bad) {
    SCOPED_TRACE("id of " + std::to_string(id.size()) + " bytes");
    EXPECT_FALSE(pipeline::is_valid_reference_id(id));
    EXPECT_EQ(error_of([&] { store.add(id, wav_bytes(44100, 0.1), "t"); }), ErrorCode::kInvalidArgument);
    EXPECT_EQ(error_of([&] { store.remove(id); }), ErrorCode::kInvalidArgument);
    EXPECT_EQ(error_of([&] { store.rename("ok", id); }), ErrorCode::kInvalidArgument);
    EXPECT_EQ(error_of([&] { store.rename(id, "fresh"); }), ErrorCode::kInvalidArgument);
    EXPECT_EQ(error_of([&] { store.load(id); }), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(root_entries(), (std::vector<std::string>{"ok"}));
  EXPECT_TRUE(fs::exists(root_ / "ok" / "sample.wav"));

  // The message names the id and the rule.
  try {
    store.add("a/b", wav_bytes(44100, 0.1), "t");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"a/b\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("letters, digits"), std::string::npos) << e.what();
  }
  // 255 characters is the longest allowed.
  const std::string longest(255, 'z');
  store.add(longest, wav_bytes(44100, 0.1), "t");
  EXPECT_TRUE(store.contains(longest));
}

TEST_F(ReferenceStoreTest, DuplicatesAndMissingIdsHaveTheirOwnErrors) {
  ReferenceStore store(root_);
  store.add("a", wav_bytes(44100, 0.1), "first");
  store.add("b", wav_bytes(44100, 0.1), "second");
  EXPECT_EQ(error_of([&] { store.add("a", wav_bytes(44100, 0.2), "other"); }), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store.load("a")[0].text, "first");  // untouched
  EXPECT_EQ(error_of([&] { store.rename("a", "b"); }), ErrorCode::kAlreadyExists);
  EXPECT_EQ(error_of([&] { store.rename("a", "a"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { store.rename("zzz", "c"); }), ErrorCode::kNotFound);
  EXPECT_EQ(error_of([&] { store.remove("zzz"); }), ErrorCode::kNotFound);
  EXPECT_EQ(error_of([&] { store.load("zzz"); }), ErrorCode::kNotFound);
  EXPECT_EQ(store.list(), (std::vector<std::string>{"a", "b"}));

  // An empty folder (upstream's loader makes one for any unknown id) is not a reference and may be reused.
  fs::create_directories(root_ / "empty");
  EXPECT_EQ(store.list(), (std::vector<std::string>{"a", "b"}));
  store.add("empty", wav_bytes(44100, 0.1), "now filled");
  EXPECT_EQ(store.load("empty")[0].text, "now filled");
}

TEST_F(ReferenceStoreTest, RefusedInputLeavesNothingBehind) {
  ReferenceStore store(root_, {.sample_rate = 44100, .max_audio_seconds = 1.0});
  const std::vector<std::uint8_t> garbage = {'R', 'I', 'F', 'F', 1, 2, 3, 4, 'n', 'o', 'p', 'e'};
  EXPECT_EQ(error_of([&] { store.add("bad", garbage, "t"); }), ErrorCode::kBadFormat);
  EXPECT_EQ(error_of([&] { store.add("bad", std::vector<std::uint8_t>{}, "t"); }), ErrorCode::kBadFormat);
  EXPECT_EQ(error_of([&] { store.add("bad", wav_bytes(44100, 0.1), ""); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { store.add("bad", wav_bytes(44100, 0.1), "bad \xff utf8"); }),
            ErrorCode::kInvalidArgument);
  try {
    store.add("long", wav_bytes(44100, 1.5), "t");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("limit of 1"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(root_entries().empty());
  EXPECT_TRUE(store.list().empty());

  // A crash between writing and renaming leaves a dot-folder, which is never listed.
  fs::create_directories(root_ / ".tmp-1-0");
  write_bytes(root_ / ".tmp-1-0" / "sample.wav", wav_bytes(44100, 0.1));
  std::ofstream(root_ / ".tmp-1-0" / "sample.lab") << "t";
  EXPECT_TRUE(store.list().empty());
  // The next add sweeps it away once it is old enough to belong to no live writer.
  fs::last_write_time(root_ / ".tmp-1-0", fs::file_time_type::clock::now() - std::chrono::hours(2));
  fs::create_directories(root_ / ".trash-1-1");  // fresh: kept
  store.add("good", wav_bytes(44100, 0.1), "t");
  EXPECT_EQ(store.list(), (std::vector<std::string>{"good"}));
  std::vector<std::string> entries = root_entries();
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{".trash-1-1", "good"}));

  // A broken link and an audio file without transcript are skipped, not errors.
  fs::create_symlink(root_ / "nowhere.wav", root_ / "good" / "dangling.wav");
  write_bytes(root_ / "good" / "zz.wav", wav_bytes(44100, 0.1));
  EXPECT_EQ(store.list(), (std::vector<std::string>{"good"}));
  EXPECT_EQ(store.load("good").size(), 1u);
}

TEST_F(ReferenceStoreTest, CodesAreEncodedOncePerAudioAndCodec) {
  ReferenceStore store(root_);
  store.add("v", wav_bytes(44100, 0.5), "the text");
  FakeEncoder enc;

  const auto first = store.codes("v", "codecA", enc.fn());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].text, "the text");
  EXPECT_EQ(first[0].codes.rows, 10u);
  EXPECT_EQ(first[0].codes.cols, (22050u + 2047) / 2048);
  EXPECT_EQ(enc.calls, 1);
  EXPECT_TRUE(fs::exists(root_ / "v" / "sample.wav.codes-codecA.npy"));

  const auto second = store.codes("v", "codecA", enc.fn());
  EXPECT_EQ(enc.calls, 1);  // from the cache
  EXPECT_EQ(second[0].codes.values, first[0].codes.values);
  EXPECT_EQ(second[0].codes.cols, first[0].codes.cols);

  store.codes("v", "codecB", enc.fn());  // another codec never reuses codecA's codes
  EXPECT_EQ(enc.calls, 2);
  store.codes("v", "codecB", enc.fn());
  EXPECT_EQ(enc.calls, 2);

  // New audio is encoded again; its time is set explicitly, so a coarse file-system clock cannot tie.
  const fs::path wav = root_ / "v" / "sample.wav";
  const auto stamp = fs::last_write_time(root_ / "v" / "sample.wav.codes-codecA.npy");
  EXPECT_EQ(stamp, fs::last_write_time(wav));
  audio::write_audio_file(wav, tone(44100, 1.0, 1000.0), 44100, audio::AudioFormat::kWav);
  fs::last_write_time(wav, stamp + std::chrono::seconds(5));
  const auto third = store.codes("v", "codecA", enc.fn());
  EXPECT_EQ(enc.calls, 3);
  EXPECT_EQ(third[0].codes.cols, (44100u + 2047) / 2048);
  store.codes("v", "codecA", enc.fn());
  EXPECT_EQ(enc.calls, 3);

  // An older file copied over the audio with its time preserved (cp -p) also invalidates the cache.
  audio::write_audio_file(wav, tone(44100, 0.5, 300.0), 44100, audio::AudioFormat::kWav);
  fs::last_write_time(wav, stamp - std::chrono::hours(24));
  EXPECT_EQ(store.codes("v", "codecA", enc.fn())[0].codes.cols, (22050u + 2047) / 2048);
  EXPECT_EQ(enc.calls, 4);
  audio::write_audio_file(wav, tone(44100, 1.0, 1000.0), 44100, audio::AudioFormat::kWav);
  store.codes("v", "codecA", enc.fn());
  EXPECT_EQ(enc.calls, 5);

  // A truncated cache file is re-encoded and rewritten.
  std::ofstream(root_ / "v" / "sample.wav.codes-codecA.npy", std::ios::trunc) << "\x93NUMPY";
  EXPECT_EQ(store.codes("v", "codecA", enc.fn())[0].codes.values, third[0].codes.values);
  EXPECT_EQ(enc.calls, 6);
  store.codes("v", "codecA", enc.fn());
  EXPECT_EQ(enc.calls, 6);

  // Renaming keeps the cache; the cache files never show up as clips.
  store.rename("v", "w");
  store.codes("w", "codecA", enc.fn());
  EXPECT_EQ(enc.calls, 6);
  EXPECT_EQ(store.load("w").size(), 1u);

  EXPECT_EQ(error_of([&] { store.codes("w", "../x", enc.fn()); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { store.codes("w", "", enc.fn()); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { store.codes("nobody", "codecA", enc.fn()); }), ErrorCode::kNotFound);
  auto broken = [](std::span<const float>) { return text::IntMatrix{2, 3, {1, 2}}; };
  EXPECT_EQ(error_of([&] { store.codes("w", "codecC", broken); }), ErrorCode::kInternal);
}

TEST_F(ReferenceStoreTest, UpstreamFoldersWithSeveralClipsLoadInNaturalOrder) {
  const fs::path folder = root_ / "upstream";
  fs::create_directories(folder / "more");
  // Written in an order unlike the natural one; clip10 must come after clip2.
  write_bytes(folder / "clip10.wav", wav_bytes(44100, 0.3));
  std::ofstream(folder / "clip10.lab") << "ten";
  write_bytes(folder / "clip2.wav", wav_bytes(22050, 0.2));
  std::ofstream(folder / "clip2.lab") << "two";
  write_bytes(folder / "more" / "a.wav", wav_bytes(44100, 0.1));
  std::ofstream(folder / "more" / "a.lab") << "nested";
  write_bytes(folder / "no_transcript.wav", wav_bytes(44100, 0.1));  // skipped: no .lab
  write_bytes(folder / "upper.WAV", wav_bytes(44100, 0.1));         // skipped: extensions are case-sensitive
  std::ofstream(folder / "upper.lab") << "upper";
  fs::create_directories(root_ / "only audio");
  write_bytes(root_ / "only audio" / "x.wav", wav_bytes(44100, 0.1));

  ReferenceStore store(root_);
  EXPECT_EQ(store.list(), (std::vector<std::string>{"upstream"}));
  EXPECT_EQ(error_of([&] { store.load("only audio"); }), ErrorCode::kNotFound);

  const auto clips = store.load("upstream");
  ASSERT_EQ(clips.size(), 3u);
  EXPECT_EQ(clips[0].text, "two");
  EXPECT_EQ(clips[1].text, "ten");
  EXPECT_EQ(clips[2].text, "nested");
  EXPECT_NEAR(static_cast<double>(clips[0].samples.size()), 44100 * 0.2, 64.0);

  FakeEncoder enc;
  const auto refs = store.codes("upstream", "k", enc.fn());
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].text, "two");
  EXPECT_EQ(refs[1].codes.cols, (static_cast<std::size_t>(44100 * 0.3) + 2047) / 2048);
  EXPECT_EQ(enc.calls, 3);
  store.codes("upstream", "k", enc.fn());
  EXPECT_EQ(enc.calls, 3);
  EXPECT_TRUE(fs::exists(folder / "more" / "a.wav.codes-k.npy"));
}

TEST(NaturalOrder, DigitRunsCompareByValue) {
  using pipeline::natural_less;
  EXPECT_TRUE(natural_less("clip2.wav", "clip10.wav"));
  EXPECT_FALSE(natural_less("clip10.wav", "clip2.wav"));
  EXPECT_TRUE(natural_less("a", "b"));
  EXPECT_TRUE(natural_less("a", "a1"));
  EXPECT_TRUE(natural_less("x9y", "x09z"));
  EXPECT_TRUE(natural_less("x1", "x01"));  // equal value: fewer leading zeros first
  EXPECT_FALSE(natural_less("same", "same"));
  EXPECT_TRUE(natural_less("d/2", "d/11"));
  EXPECT_TRUE(natural_less("99999999999999999999998", "99999999999999999999999"));  // beyond 64 bits
}

TEST_F(ReferenceStoreTest, ConcurrentReadersAndOneWriter) {
  ReferenceStore store(root_);
  store.add("stable", wav_bytes(44100, 0.2), "always here");
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      FakeEncoder enc;
      while (!stop) {
        try {
          const auto ids = store.list();
          if (std::find(ids.begin(), ids.end(), "stable") == ids.end()) ++failures;
          if (store.codes("stable", "k", enc.fn()).at(0).text != "always here") ++failures;
          if (store.contains("churn")) store.load("churn");  // may vanish in between: kNotFound is fine
        } catch (const Error& e) {
          if (e.code() != ErrorCode::kNotFound) ++failures;
        }
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    store.add("churn", wav_bytes(44100, 0.05), "t");
    store.rename("churn", "churn2");
    store.rename("churn2", "churn");
    store.remove("churn");
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store.list(), (std::vector<std::string>{"stable"}));
}

TEST_F(ReferenceStoreTest, DefaultRootFollowsTheEnvironment) {
  ::setenv("FISHTTS_REFERENCES_DIR", "/some/refs", 1);
  EXPECT_EQ(ReferenceStore::default_root(), fs::path("/some/refs"));
  ::unsetenv("FISHTTS_REFERENCES_DIR");
  ::setenv("FISHTTS_CACHE_DIR", "/some/cache", 1);
  EXPECT_EQ(ReferenceStore::default_root(), fs::path("/some/cache/references"));
  ::unsetenv("FISHTTS_CACHE_DIR");
}

TEST_F(ReferenceStoreTest, CliAddListRenameDelete) {
  using test::run_cli;
  fs::create_directories(root_);
  const fs::path wav = root_.string() + "-voice.wav";
  write_bytes(wav, wav_bytes(24000, 0.5));
  const std::string dir = " --references-dir '" + root_.string() + "/store'";

  auto r = run_cli("references add 'my voice' '" + wav.string() + "' --text 'Hello, world.'" + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("references add other '" + wav.string() + "' --text 'x'" + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("references list" + dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "my voice\nother\n");

  ReferenceStore store(root_ / "store");
  EXPECT_EQ(store.load("my voice").at(0).text, "Hello, world.");

  r = run_cli("references add other '" + wav.string() + "' --text 'x'" + dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error: reference \"other\" already exists"), std::string::npos) << r.err;
  r = run_cli("references add ../evil '" + wav.string() + "' --text 'x'" + dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("forbidden character"), std::string::npos) << r.err;
  r = run_cli("references add third '" + wav.string() + "'" + dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--text"), std::string::npos) << r.err;

  r = run_cli("references rename other renamed" + dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("references delete 'my voice'" + dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("references delete 'my voice'" + dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;

  // Without --references-dir: $FISHTTS_REFERENCES_DIR.
  ::setenv("FISHTTS_REFERENCES_DIR", (root_ / "store").c_str(), 1);
  r = run_cli("references list");
  ::unsetenv("FISHTTS_REFERENCES_DIR");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "renamed\n");
  fs::remove(wav);
}

}  // namespace
