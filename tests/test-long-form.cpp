// Long-form synthesis (issue 11) on the tiny checkpoint: text split into chunks generated in turn, each prompt
// within the context limit and carrying the previous chunk, one decoder across chunks and across the codec's
// position limit, streamed output equal to whole output, flat memory over many chunks, clear errors on bad text.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "pipeline/chunk_context.h"
#include "pipeline/engine.h"
#include "pipeline/rolling_decoder.h"
#include "pipeline/synthesis.h"
#include "support/cli_runner.h"
#include "support/golden.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

const fs::path kLongText = fs::path(FISHTTS_SOURCE_DIR) / "tests" / "data" / "long-text.txt";

std::shared_ptr<const pipeline::Engine> tiny_engine() {
  static const fs::path cache = fs::temp_directory_path() / ("fishtts-long-form-" + std::to_string(::getpid()));
  static std::shared_ptr<const pipeline::Engine> engine = [] {
    pipeline::EngineParams params;
    params.model_path = test::kFixture.string();
    params.cache_dir = cache.string();
    params.overrides.precision = hw::Precision::kFp32;
    // The hand-over SNR bound below is RoPE's fp32 rounding; a bf16 decode (the default on bf16 CPUs) adds its own.
    params.overrides.codec_precision = hw::CodecPrecision::kFp32;
    params.overrides.threads = 1;
    return pipeline::Engine::create(params);
  }();
  return engine;
}

struct Result {
  std::vector<float> samples;
  std::vector<std::size_t> chunk_sizes;
  pipeline::SynthesisMetrics metrics;
  std::vector<std::string> text_chunks;
};

Result synthesize(pipeline::SynthesisRequest request) {
  pipeline::Synthesis s(tiny_engine(), std::move(request));
  Result r;
  pipeline::AudioChunk chunk;
  while (s.next(chunk)) {
    r.samples.insert(r.samples.end(), chunk.samples.begin(), chunk.samples.end());
    r.chunk_sizes.push_back(chunk.samples.size());
  }
  r.metrics = s.metrics();
  r.text_chunks = s.text_chunks();
  return r;
}

pipeline::SynthesisRequest request_for(const std::string& text, int max_new_tokens) {
  pipeline::SynthesisRequest request;
  request.text = text;
  request.generation.max_new_tokens = max_new_tokens;
  request.generation.seed = 7;
  return request;
}

std::string without_space(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

double snr_db(const std::vector<float>& reference, const std::vector<float>& test, std::size_t from) {
  double signal = 0, noise = 0;
  for (std::size_t i = from; i < reference.size(); ++i) {
    signal += double(reference[i]) * reference[i];
    noise += (double(reference[i]) - test[i]) * (double(reference[i]) - test[i]);
  }
  return noise == 0 ? 200.0 : 10 * std::log10(signal / noise);
}

long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

TEST(ChunkContext, KeepsTheMostRecentWholeChunksWithinTheBudget) {
  pipeline::ChunkContext context(100, 3);
  EXPECT_TRUE(context.select().empty());
  context.add({"one", {}}, 60);
  context.add({"two", {}}, 30);
  ASSERT_EQ(context.select().size(), 2u);
  EXPECT_EQ(context.selected_columns(), 90u);
  context.add({"three", {}}, 50);  // 50 + 30 fit, 60 more do not
  std::vector<text::PromptReference> kept = context.select();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].text, "two");
  EXPECT_EQ(kept[1].text, "three");
  context.add({"huge", {}}, 150);  // alone over the budget: no context rather than a prompt past it
  EXPECT_TRUE(context.select().empty());
  EXPECT_EQ(context.selected_columns(), 0u);

  pipeline::ChunkContext one(100, 1);  // at most one segment, however small
  one.add({"a", {}}, 10);
  one.add({"b", {}}, 10);
  ASSERT_EQ(one.select().size(), 1u);
  EXPECT_EQ(one.select()[0].text, "b");
}

TEST(RollingDecoder, HandsOverBeforeTheCodecLimitWithoutASeam) {
  const auto engine = tiny_engine();
  const codec::CodecModel& codec = engine->codec();
  const int64_t limit = codec.info().decode.max_frames;  // 256 for the tiny codec
  const std::size_t frames = static_cast<std::size_t>(limit) - 8;
  std::mt19937 rng(3);
  text::IntMatrix codes{codec.info().num_codebooks(), frames, {}};
  for (std::size_t r = 0; r < codes.rows; ++r) {
    std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(codec.info().codebook_sizes[r]) - 1);
    for (std::size_t c = 0; c < frames; ++c) codes.values.push_back(pick(rng));
  }
  const std::vector<float> whole = codec.decode(codes);

  // A decoder limited to 96 frames must hand over twice; pushes of uneven sizes cross the hand-overs.
  pipeline::RollingDecoder rolling(codec, 16, 96);
  std::vector<float> out;
  for (std::size_t done = 0; done < frames;) {
    const std::size_t n = std::min<std::size_t>(frames - done, 37);
    text::IntMatrix part{codes.rows, n, {}};
    for (std::size_t r = 0; r < codes.rows; ++r) {
      for (std::size_t c = 0; c < n; ++c) part.values.push_back(codes.at(r, done + c));
    }
    std::vector<float> got = rolling.push(part);
    out.insert(out.end(), got.begin(), got.end());
    done += n;
  }
  std::vector<float> tail = rolling.finish();
  out.insert(out.end(), tail.begin(), tail.end());

  EXPECT_GE(rolling.handovers(), 2);
  ASSERT_EQ(out.size(), whole.size());
  const std::size_t frame = static_cast<std::size_t>(codec.info().frame_length);
  // Before the first hand-over the same decoder ran: bit for bit.
  EXPECT_TRUE(std::equal(whole.begin(), whole.begin() + 96 * frame, out.begin()));
  // After it, only RoPE's rounding at other absolute positions differs (spec 5.4).
  const double snr = snr_db(whole, out, 96 * frame);
  std::printf("rolling decode vs one decoder after the hand-over: SNR %.1f dB\n", snr);
  EXPECT_GT(snr, 40.0);
}

TEST(LongForm, A20000CharacterTextIsChunkedWithinTheContextAndEveryFrameIsDecoded) {
  const std::string text = test::read_text_file(kLongText);
  ASSERT_GE(text.size(), 20000u);
  pipeline::SynthesisRequest request = request_for(text, 3);  // 2 frames per chunk: it is the chunking under test
  request.chunk_length = 300;
  const Result r = synthesize(request);

  const lm::LlmInfo& info = tiny_engine()->llm().info();
  ASSERT_GT(r.text_chunks.size(), 60u);
  EXPECT_EQ(r.metrics.text_chunks, static_cast<int>(r.text_chunks.size()));
  ASSERT_EQ(r.metrics.chunks.size(), r.text_chunks.size());
  std::string joined;
  int frames = 0;
  for (std::size_t i = 0; i < r.text_chunks.size(); ++i) {
    const pipeline::ChunkMetrics& c = r.metrics.chunks[i];
    EXPECT_LE(c.characters, 300) << "chunk " << i;
    EXPECT_LE(c.prompt_positions, info.max_seq_len - static_cast<int>(text::kGenerationReserve)) << "chunk " << i;
    if (i > 0) EXPECT_GT(c.context_positions, 0) << "chunk " << i << " has no context";
    frames += c.frames;
    joined += r.text_chunks[i];
  }
  EXPECT_EQ(without_space(joined), without_space(text));
  EXPECT_EQ(frames, r.metrics.frames);
  EXPECT_EQ(r.samples.size(), static_cast<std::size_t>(frames) * 2048u);
  EXPECT_NEAR(r.metrics.audio_seconds, frames * 2048.0 / 44100.0, 1e-6);
}

TEST(LongForm, StreamedEqualsWholeAndChunksCarryTheirContext) {
  const std::string text =
      "The keeper climbed the stairs at dusk. He counted each step, as his father had. The lamp was cold; the oil "
      "was low. Outside, the sea kept its own count of the rocks below. By nine the beam was turning again, and "
      "the ships that passed never knew how close the night had come to being dark.";
  pipeline::SynthesisRequest small = request_for(text, 6);
  small.chunk_length = 100;
  small.chunk_frames = 1;
  small.first_chunk_frames = 1;
  pipeline::SynthesisRequest large = small;
  large.chunk_frames = 64;
  const Result a = synthesize(small);
  const Result b = synthesize(large);
  ASSERT_GE(a.text_chunks.size(), 3u);
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_GT(a.chunk_sizes.size(), b.chunk_sizes.size());
  // Chunk i carries chunk i-1 (its text and 5 frames) as context.
  for (std::size_t i = 1; i < a.metrics.chunks.size(); ++i) {
    EXPECT_GE(a.metrics.chunks[i].context_positions, 5 + 2) << "chunk " << i;
    EXPECT_GT(a.metrics.chunks[i].prompt_positions, a.metrics.chunks[i].context_positions);
  }
  // One pass over the same text: a single chunk with no context, and different audio.
  pipeline::SynthesisRequest one_pass = small;
  one_pass.chunk_length = 0;
  const Result c = synthesize(one_pass);
  EXPECT_EQ(c.metrics.text_chunks, 1);
  EXPECT_EQ(c.metrics.chunks.at(0).context_positions, 0);
}

TEST(LongForm, EveryChunkReusesTheReferencePrefix) {
  pipeline::SynthesisRequest request = request_for(
      "First sentence of the long text, long enough to need its own chunk for this test, with some more words "
      "here. Second sentence, which goes to the next chunk since the first one fills most of the hundred.",
      4);
  request.chunk_length = 100;
  request.references.push_back({"This is the reference voice.", test::golden_matrix("prompt_ref1_ref0_codes"), {}});
  const Result r = synthesize(request);
  ASSERT_GE(r.metrics.chunks.size(), 2u);
  const int prefix = r.metrics.chunks[1].reused_prefix_positions;
  EXPECT_GT(prefix, 12);  // <|interleave|>, the reference's text, its frames, <|im_end|>
  int total = r.metrics.chunks[0].reused_prefix_positions;
  for (std::size_t i = 1; i < r.metrics.chunks.size(); ++i) {
    EXPECT_EQ(r.metrics.chunks[i].reused_prefix_positions, prefix) << "chunk " << i;
    total += prefix;
  }
  EXPECT_EQ(r.metrics.reused_prefix_positions, total);
}

TEST(LongForm, MemoryStaysFlatOverFiftyChunks) {
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += "Sentence number " + std::to_string(i) + " fills a chunk of its own: more than half of a hundred. ";
  }
  pipeline::SynthesisRequest request = request_for(text, 3);
  request.chunk_length = 100;
  pipeline::Synthesis s(tiny_engine(), request);
  pipeline::AudioChunk chunk;
  long after_ten = 0;
  while (s.next(chunk)) {
    if (chunk.text_chunk == 10 && after_ten == 0) after_ten = resident_bytes();
  }
  ASSERT_EQ(s.metrics().text_chunks, 50);
  const long growth = resident_bytes() - after_ten;
  std::printf("RSS after chunk 10: %.1f MB, growth by chunk %d: %.2f MB\n", after_ten / 1e6, s.metrics().text_chunks,
              growth / 1e6);
  EXPECT_LT(growth, 8l << 20);
}

TEST(LongForm, BadTextGetsAClearErrorOrIsSplitAnyway) {
  try {
    synthesize(request_for(" \t\x01\x02\n\x7f ", 3));
    FAIL() << "whitespace and control characters only must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("nothing to say"), std::string::npos) << e.what();
  }
  // One 10,000-character word: hard cuts at the chunk length.
  const Result word = synthesize(request_for(std::string(10000, 'a'), 2));
  EXPECT_EQ(word.metrics.text_chunks, 1 + (9900 + 199) / 200);  // a short first chunk (first audio sooner), then 200s
  EXPECT_EQ(word.metrics.chunks.at(0).characters, 100);
  // No punctuation at all: cut at spaces.
  std::string words;
  for (int i = 0; i < 300; ++i) words += "word" + std::to_string(i) + " ";
  const Result plain = synthesize(request_for(words, 2));
  EXPECT_GT(plain.metrics.text_chunks, 5);
  for (const std::string& c : plain.text_chunks) EXPECT_NE(c.back(), ' ');

  pipeline::SynthesisRequest bad = request_for("Hello.", 2);
  bad.chunk_length = 50;
  EXPECT_THROW(pipeline::Synthesis(tiny_engine(), bad), Error);
}

TEST(LongForm, SayChunksLongTextFromTheCli) {
  const fs::path dir = fs::temp_directory_path() / ("fishtts-long-form-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // The first 1,500 characters are enough to test the CLI path.
  const std::string text = test::read_text_file(kLongText).substr(0, 1500);
  std::ofstream(dir / "part.txt") << text;
  const std::string args = " --model " + test::kFixture.string() + " --cache-dir " + (dir / "cache").string() +
                           " --precision fp32 --threads 1 --max-new-tokens 3 --seed 5 -q --chunk-length 100" +
                           " --text-file " + (dir / "part.txt").string();
  const test::CliResult whole = test::run_cli("say" + args + " -o " + (dir / "whole.wav").string() +
                                              " --metrics-json " + (dir / "m.json").string());
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const test::CliResult streamed = test::run_cli("say" + args + " --stream -o " + (dir / "stream.wav").string());
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(test::read_text_file(dir / "whole.wav"), test::read_text_file(dir / "stream.wav"));
  const auto metrics = nlohmann::json::parse(test::read_text_file(dir / "m.json"));
  EXPECT_GE(metrics.at("text_chunks").get<int>(), 15);
  EXPECT_EQ(metrics.at("chunks").size(), metrics.at("text_chunks").get<std::size_t>());

  const test::CliResult bad = test::run_cli("say" + args + " --chunk-length 40 -o " + (dir / "x.wav").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("chunk-length"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}

}  // namespace
