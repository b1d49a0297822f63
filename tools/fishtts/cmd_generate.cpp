// `fishtts generate --model DIR --text T [--prompt-text X --prompt-tokens ref.npy]... -o codes.npy`: the
// upstream text-to-semantic stage. Writes the codes [num_codebooks, frames] as int64 .npy, like upstream.
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "commands.h"
#include "common/error.h"
#include "io/npy.h"
#include "lm/generate.h"
#include "model_args.h"
#include "prompt_args.h"
#include "text/tokenizer.h"

namespace fishtts::cli {
namespace {

struct GenerateOptions {
  ModelArgs model;
  PromptArgs prompt;
  std::filesystem::path output = "codes_0.npy";
  lm::GenerationParams params;
  std::string history = "corrected";
  bool quiet = false;
};

void run(GenerateOptions& opt) {
  const std::string text = opt.prompt.read_text();
  const auto references = opt.prompt.read_references();
  opt.params.history = lm::parse_penalty_history(opt.history.c_str());
  opt.params.validate();

  BundleDir bundle(opt.model);
  auto model = lm::LlmModel::load(bundle.path(), opt.model.settings());
  const text::Tokenizer tokenizer = text::Tokenizer::from_model_dir(bundle.path());
  const lm::LlmInfo& info = model->info();
  text::IntMatrix prompt = text::build_prompt(tokenizer, text, references,
                                              {static_cast<std::size_t>(info.num_codebooks),
                                               static_cast<std::size_t>(info.max_seq_len)});
  lm::GenerationStats stats;
  text::IntMatrix codes = lm::generate_codes(*model, prompt, opt.params, &stats, [&](std::span<const int32_t>) {
    if (!opt.quiet && isatty(fileno(stderr))) std::fprintf(stderr, "\r%d frames", ++stats.frames);
  });

  std::vector<int64_t> wide(codes.values.begin(), codes.values.end());
  io::write_npy(opt.output, io::make_npy({codes.rows, codes.cols}, std::span<const int64_t>(wide)));
  if (!opt.quiet) {
    const double audio_s = static_cast<double>(stats.frames) * 2048.0 / 44100.0;
    std::fprintf(stderr, "\r%d frames (%.2f s of audio) from a %d-position prompt, %s; first frame %.0f ms, "
                 "%.1f ms/frame (real time needs < %.1f) -> %s\n",
                 stats.frames, audio_s, stats.prompt_positions,
                 stats.stopped_on_im_end ? "stopped on <|im_end|>" : "budget used up", stats.first_frame_ms,
                 stats.ms_per_frame(), 1000.0 * 2048.0 / 44100.0, opt.output.c_str());
  }
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto opt = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand("generate", "Text (+ reference codes) to semantic codes, as upstream's stage 2");
  opt->model.add_to(cmd);
  opt->prompt.add_to(cmd);
  cmd->add_option("-o,--output", opt->output, "Where to write the codes (.npy, int64 [codebooks, frames])");
  cmd->add_option("--max-new-tokens", opt->params.max_new_tokens,
                  "Columns to generate, the final dropped one included (0 = up to the context end)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temperature", opt->params.sampling.temperature, "Sampling temperature, (0, 2]");
  cmd->add_option("--top-p", opt->params.sampling.top_p, "Nucleus sampling threshold, (0, 1]");
  cmd->add_option("--repetition-penalty", opt->params.sampling.repetition_penalty, "Repetition penalty, (0, 2]");
  cmd->add_option("--seed", opt->params.seed, "Random seed");
  cmd->add_option("--penalty-history", opt->history,
                  "corrected (default: the slow token's penalty uses the recent tokens) or upstream (S1's "
                  "column bug, for bit-parity with upstream at strong penalties)")
      ->check(CLI::IsMember({"upstream", "corrected"}));
  cmd->add_flag("--greedy", opt->params.sampling.greedy, "Argmax everywhere (after the repetition penalty)");
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress or summary on stderr");
  cmd->callback([opt] { run(*opt); });
}

}  // namespace fishtts::cli
