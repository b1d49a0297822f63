// `fishtts generate --model DIR --text T [--prompt-text X --prompt-tokens ref.npy]... -o codes.npy`: the
// upstream text-to-semantic stage. Writes the codes [num_codebooks, frames] as int64 .npy, like upstream.
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "codec/codec_info.h"
#include "commands.h"
#include "common/error.h"
#include "io/npy.h"
#include "lm/generate.h"
#include "model_args.h"
#include "progress.h"
#include "prompt_args.h"
#include "sampling_args.h"
#include "text/tokenizer.h"

namespace fishtts::cli {
namespace {

struct GenerateOptions {
  ModelArgs model;
  PromptArgs prompt;
  std::filesystem::path output = "codes_0.npy";
  SamplingArgs sampling;
  bool quiet = false;
};

// Audio seconds per frame, from the bundle's codec description.
double seconds_per_frame(const std::string& bundle) {
  const std::string path = bundle + "/codec.json";
  codec::CodecInfo info = codec::CodecInfo::from_json(nlohmann::json::parse(read_file(path, "codec.json")), path);
  return static_cast<double>(info.frame_length) / static_cast<double>(info.sample_rate);
}

void run(GenerateOptions& opt) {
  const std::string text = opt.prompt.read_text();
  const auto references = opt.prompt.read_references();
  const lm::GenerationParams params = opt.sampling.resolve();

  Progress progress(opt.quiet);
  const std::string bundle = opt.model.resolve_bundle(progress);
  auto model = lm::LlmModel::load(bundle, opt.model.settings());
  const text::Tokenizer tokenizer = text::Tokenizer::from_model_dir(bundle);
  const lm::LlmInfo& info = model->info();
  text::IntMatrix prompt = text::build_prompt(tokenizer, text, references,
                                              {static_cast<std::size_t>(info.num_codebooks),
                                               static_cast<std::size_t>(info.max_seq_len)});
  lm::GenerationStats stats;
  const int budget = lm::kv_capacity_for(static_cast<int>(prompt.cols), params.max_new_tokens, info.max_seq_len) -
                     static_cast<int>(prompt.cols);
  const double frame_seconds = seconds_per_frame(bundle);
  int frames = 0;
  text::IntMatrix codes = lm::generate_codes(*model, prompt, params, &stats, [&](std::span<const int32_t>) {
    ++frames;
    progress.frames(frames, budget, frames * frame_seconds);
  });
  progress.finish();

  std::vector<int64_t> wide(codes.values.begin(), codes.values.end());
  io::write_npy(opt.output, io::make_npy({codes.rows, codes.cols}, std::span<const int64_t>(wide)));
  if (!opt.quiet) {
    const double audio_s = stats.frames * frame_seconds;
    std::fprintf(stderr, "%d frames (%.2f s of audio) from a %d-position prompt, %s; first frame %.0f ms, "
                 "%.1f ms/frame (real time needs < %.1f) -> %s\n",
                 stats.frames, audio_s, stats.prompt_positions,
                 stats.stopped_on_im_end ? "stopped on <|im_end|>" : "budget used up", stats.first_frame_ms,
                 stats.ms_per_frame(), 1000.0 * frame_seconds, opt.output.c_str());
  }
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto opt = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand("generate", "Text (+ reference codes) to semantic codes, as upstream's stage 2");
  opt->model.add_to(cmd);
  opt->prompt.add_to(cmd);
  cmd->add_option("-o,--output", opt->output, "Where to write the codes (.npy, int64 [codebooks, frames])");
  opt->sampling.add_to(cmd);
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress or summary on stderr");
  cmd->callback([opt] { run(*opt); });
}

}  // namespace fishtts::cli
