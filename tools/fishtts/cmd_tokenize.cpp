// `fishtts tokenize --model DIR --text T [--prompt-text X --prompt-tokens ref.npy]... [--json] [--raw]`:
// the S1 prompt the engine would feed the model, as token ids (row 0) or, with --json, the whole matrix.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common/error.h"
#include "prompt_args.h"
#include "text/prompt.h"
#include "text/tokenizer.h"

namespace fishtts::cli {
namespace {

struct TokenizeOptions {
  std::filesystem::path model_dir;
  PromptArgs prompt;
  bool json = false;
  bool raw = false;
};

// Only the two fields the prompt needs; the typed model config lives elsewhere.
text::PromptOptions read_prompt_options(const std::filesystem::path& model_dir) {
  const auto path = model_dir / "config.json";
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(path, "model config"));
    return {config.at("num_codebooks").get<std::size_t>(), config.at("max_seq_len").get<std::size_t>()};
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, path.string() + ": " + e.what());
  }
}

std::string join(const std::vector<int32_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  return out;
}

void run(const TokenizeOptions& opt) {
  const std::vector<text::PromptReference> references = opt.prompt.read_references();
  // An empty --text is a valid input here (it tokenizes to nothing), so not PromptArgs::read_text.
  const std::string text =
      opt.prompt.text_file.empty() ? opt.prompt.text : read_file(opt.prompt.text_file, "--text-file");
  const text::Tokenizer tokenizer = text::Tokenizer::from_model_dir(opt.model_dir);

  if (opt.raw) {
    std::printf("%s\n", join(tokenizer.encode(text)).c_str());
    return;
  }
  const text::IntMatrix prompt =
      text::build_prompt(tokenizer, text, references, read_prompt_options(opt.model_dir));

  std::vector<int32_t> ids(prompt.values.begin(), prompt.values.begin() + static_cast<std::ptrdiff_t>(prompt.cols));
  if (!opt.json) {
    std::printf("%s\n", join(ids).c_str());
    return;
  }
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t r = 0; r < prompt.rows; ++r)
    rows.push_back(std::vector<int32_t>(prompt.values.begin() + static_cast<std::ptrdiff_t>(r * prompt.cols),
                                        prompt.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * prompt.cols)));
  nlohmann::json doc = {{"ids", ids},
                        {"values", rows},
                        {"shape", {prompt.rows, prompt.cols}},
                        {"semantic_begin_id", tokenizer.semantic_begin_id()},
                        {"semantic_end_id", tokenizer.semantic_end_id()},
                        {"im_end_id", tokenizer.im_end_id()}};
  std::printf("%s\n", doc.dump().c_str());
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto opt = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Print the token ids of the S1 prompt for a text (and references)");
  cmd->add_option("--model", opt->model_dir, "Checkpoint folder (tokenizer.tiktoken, special_tokens.json, config.json)")
      ->required();
  opt->prompt.add_to(cmd);
  cmd->add_flag("--json", opt->json, "Print {ids, values (the full matrix), shape, semantic_begin_id, ...}");
  cmd->add_flag("--raw", opt->raw, "Print only the ids of the text itself, without the prompt around it");
  cmd->callback([opt, cmd] {
    if (cmd->get_option("--text")->count() == 0 && cmd->get_option("--text-file")->count() == 0)
      throw Error(ErrorCode::kInvalidArgument, "tokenize needs --text or --text-file");
    run(*opt);
  });
}

}  // namespace fishtts::cli
