// The C API through its C++ wrapper (fishtts.hpp), for what a C test does awkwardly: threads (cancel from another
// thread, concurrent requests on one engine), the engine outliving its handle, and reference voices given as
// audio or as codes agreeing on the fixture's golden chirp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <unistd.h>

#include "fishtts/fishtts.hpp"
#include "audio/audio_io.h"
#include "io/npy.h"
#include "pipeline/reference_store.h"

namespace {

namespace fs = std::filesystem;
using fishtts::capi::ApiError;
using fishtts::capi::Engine;
using fishtts::capi::Synthesis;

const fs::path kFixture = FISHTTS_FIXTURE_DIR;

// The golden 1.5 s chirp (int16 .npy, which io::npy does not read) as float, as upstream feeds the encoder.
std::vector<float> golden_chirp() {
  std::ifstream in(kFixture / "golden" / "encode_pcm16.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.substr(1, 5), "NUMPY");
  EXPECT_NE(bytes.find("'<i2'"), std::string::npos);
  const size_t header = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
  std::vector<float> out((bytes.size() - 10 - header) / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int16_t v;
    std::memcpy(&v, bytes.data() + 10 + header + 2 * i, 2);
    out[i] = static_cast<float>(v) / 32768.0f;
  }
  return out;
}

class CApiCpp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_dir_ = fs::temp_directory_path() / ("fishtts-c-api-cpp-" + std::to_string(::getpid()));
    fishtts_engine_params p = fishtts_engine_default_params();
    p.model_path = FISHTTS_FIXTURE_DIR;
    p.cache_dir = cache_dir_.c_str();
    p.precision = FISHTTS_PRECISION_FP32;
    p.threads = 2;
    p.log_callback = [](const char* line, void* user) { static_cast<std::vector<std::string>*>(user)->push_back(line); };
    p.log_user_data = &log_lines_;
    references_dir_ = (cache_dir_ / "references").string();
    p.references_dir = references_dir_.c_str();
    params_ = p;
    engine_.emplace(p);
  }
  static void TearDownTestSuite() {
    engine_.reset();
    fs::remove_all(cache_dir_);
  }

  static fishtts_synthesis_params request(int max_new_tokens = 12) {
    fishtts_synthesis_params p = fishtts_synthesis_default_params();
    p.text = "Threads and voices.";
    p.max_new_tokens = max_new_tokens;
    p.seed = 7;  // sampled, not greedy: the RNG must be per request
    p.first_chunk_frames = 2;
    p.chunk_frames = 3;
    return p;
  }

  static inline fs::path cache_dir_;
  static inline std::string references_dir_;
  static inline std::vector<std::string> log_lines_;
  static inline fishtts_engine_params params_;
  static inline std::optional<Engine> engine_;
};

TEST_F(CApiCpp, LogCallbackHearsTheConversion) {
  EXPECT_EQ(engine_->info().converted, 1);
  EXPECT_FALSE(log_lines_.empty());
}

TEST_F(CApiCpp, CancelFromAnotherThreadStopsARunningPull) {
  fishtts_synthesis_params p = request(/*max_new_tokens=*/0);  // up to the context end: far longer than the test
  p.first_chunk_frames = 1;
  p.chunk_frames = 100000;  // the second pull would run to the end unless cancelled
  Synthesis s(*engine_, p);
  std::span<const float> chunk;
  ASSERT_TRUE(s.next(chunk));
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled_at = std::chrono::steady_clock::now();
    s.cancel();
  });
  fishtts_status status = FISHTTS_OK;
  try {
    s.next(chunk);
  } catch (const ApiError& e) {
    status = e.status();
  }
  const auto returned_at = std::chrono::steady_clock::now();
  canceller.join();
  ASSERT_EQ(status, FISHTTS_CANCELLED) << "generation ended before the cancel; metrics frames "
                                       << s.metrics().frames;
  const double latency_ms = std::chrono::duration<double, std::milli>(returned_at - cancelled_at).count();
  std::printf("cancel latency %.2f ms\n", latency_ms);
  EXPECT_LT(latency_ms, 1000.0);
}

TEST_F(CApiCpp, ConcurrentRequestsOnOneEngineMatchSequentialOnes) {
  const std::vector<float> expected = Synthesis(*engine_, request()).read_all();
  ASSERT_FALSE(expected.empty());
  std::vector<float> a, b;
  std::thread ta([&] { a = Synthesis(*engine_, request()).read_all(); });
  std::thread tb([&] { b = Synthesis(*engine_, request()).read_all(); });
  ta.join();
  tb.join();
  EXPECT_EQ(a, expected);
  EXPECT_EQ(b, expected);
}

TEST_F(CApiCpp, SynthesisKeepsItsEngineAlive) {
  const std::vector<float> expected = Synthesis(*engine_, request()).read_all();
  std::optional<Engine> own(std::in_place, params_);  // the bundle is cached now: a plain load
  EXPECT_EQ(own->info().converted, 0);
  Synthesis s(*own, request());
  own.reset();  // fishtts_engine_free before the synthesis ran
  EXPECT_EQ(s.read_all(), expected);
}

TEST_F(CApiCpp, ReferenceAsAudioOrAsItsCodesGivesTheSameSpeech) {
  const std::vector<float> chirp = golden_chirp();
  ASSERT_EQ(chirp.size(), 66150u);
  const fishtts::io::NpyArray codes_npy = fishtts::io::read_npy(kFixture / "golden" / "encode_codes.npy");
  const std::vector<int32_t> codes = fishtts::io::npy_to_int32(codes_npy, "encode_codes.npy");
  ASSERT_EQ(codes_npy.shape.size(), 2u);

  fishtts_reference as_audio{};
  as_audio.text = "A rising chirp.";
  as_audio.samples = chirp.data();
  as_audio.num_samples = chirp.size();
  as_audio.sample_rate = engine_->sample_rate();
  fishtts_reference as_codes{};
  as_codes.text = as_audio.text;
  as_codes.codes = codes.data();
  as_codes.num_codebooks = codes_npy.shape[0];
  as_codes.num_frames = codes_npy.shape[1];

  fishtts_synthesis_params p = request();
  p.references = &as_audio;
  p.num_references = 1;
  Synthesis from_audio(*engine_, p);
  const std::vector<float> a = from_audio.read_all();
  EXPECT_GT(from_audio.metrics().reference_encode_ms, 0.0);
  p.references = &as_codes;
  Synthesis from_codes(*engine_, p);
  const std::vector<float> b = from_codes.read_all();
  EXPECT_EQ(from_audio.metrics().prompt_positions, from_codes.metrics().prompt_positions);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, Synthesis(*engine_, request()).read_all());  // the reference does change the output
}

TEST_F(CApiCpp, ReferenceIdSpeaksWithTheStoredVoice) {
  fishtts::pipeline::ReferenceStoreOptions options;
  options.sample_rate = engine_->sample_rate();
  fishtts::pipeline::ReferenceStore store(references_dir_, options);
  const std::vector<uint8_t> wav =
      fishtts::audio::encode_audio(golden_chirp(), engine_->sample_rate(), fishtts::audio::AudioFormat::kWav);
  store.add("chirp voice", wav, "A rising chirp.");
  const std::vector<fishtts::pipeline::ReferenceClip> clips = store.load("chirp voice");
  ASSERT_EQ(clips.size(), 1u);

  // The same voice given as audio (what the store holds, after its 16-bit WAV round trip).
  fishtts_reference as_audio{};
  as_audio.text = clips[0].text.c_str();
  as_audio.samples = clips[0].samples.data();
  as_audio.num_samples = clips[0].samples.size();
  as_audio.sample_rate = engine_->sample_rate();
  fishtts_synthesis_params p = request();
  p.references = &as_audio;
  p.num_references = 1;
  const std::vector<float> expected = Synthesis(*engine_, p).read_all();

  fishtts_synthesis_params by_id = request();
  by_id.reference_id = "chirp voice";
  Synthesis first(*engine_, by_id);  // encodes and caches the codes
  EXPECT_EQ(first.read_all(), expected);
  EXPECT_GT(first.metrics().reference_encode_ms, 0.0);
  std::vector<fs::path> cached;
  for (const auto& entry : fs::directory_iterator(fs::path(references_dir_) / "chirp voice")) {
    if (entry.path().filename().string().starts_with("sample.wav.codes-")) cached.push_back(entry.path());
  }
  ASSERT_EQ(cached.size(), 1u);
  const fs::file_time_type encoded_at = fs::last_write_time(cached[0]);
  EXPECT_EQ(Synthesis(*engine_, by_id).read_all(), expected);  // from the cached codes: not rewritten
  EXPECT_EQ(fs::last_write_time(cached[0]), encoded_at);

  by_id.reference_id = "no such voice";
  try {
    Synthesis s(*engine_, by_id);
    FAIL() << "unknown reference id accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), FISHTTS_NOT_FOUND) << e.what();
  }
  by_id.reference_id = "../escape";
  try {
    Synthesis s(*engine_, by_id);
    FAIL() << "path-like reference id accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), FISHTTS_INVALID_ARGUMENT) << e.what();
  }
}

TEST_F(CApiCpp, LongTextIsGeneratedInChunksUnlessChunkLengthIsZero) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += "Sentence " + std::to_string(i) + " of a text that needs more than one chunk. ";
  fishtts_synthesis_params p = request(3);
  p.text = text.c_str();
  p.chunk_length = 100;
  Synthesis chunked(*engine_, p);
  const std::vector<float> audio = chunked.read_all();
  const fishtts_metrics m = chunked.metrics();
  EXPECT_GE(m.text_chunks, 3);
  EXPECT_EQ(m.frames, 2 * m.text_chunks);  // max_new_tokens applies per chunk
  EXPECT_EQ(audio.size(), static_cast<std::size_t>(m.frames) * 2048u);

  p.chunk_length = 0;
  Synthesis one_pass(*engine_, p);
  one_pass.read_all();
  EXPECT_EQ(one_pass.metrics().text_chunks, 1);

  p.chunk_length = 99;
  try {
    Synthesis bad(*engine_, p);
    FAIL() << "chunk_length 99 accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), FISHTTS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("chunk_length"), std::string::npos) << e.what();
  }
}

TEST_F(CApiCpp, ErrorsBecomeApiErrorsWithTheStatus) {
  fishtts_synthesis_params p = request();
  p.top_p = 0;
  try {
    Synthesis s(*engine_, p);
    FAIL() << "top_p 0 accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), FISHTTS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("top_p"), std::string::npos) << e.what();
  }
}

}  // namespace
