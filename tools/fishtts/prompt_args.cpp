#include "prompt_args.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "common/error.h"
#include "io/npy.h"

namespace fishtts::cli {

std::string read_file(const std::filesystem::path& path, const char* what) {
  if (path == "-") return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, std::string(what) + ": cannot open " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

text::IntMatrix read_codes(const std::filesystem::path& path) {
  io::NpyArray array = io::read_npy(path);
  if (array.shape.size() != 2) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": reference codes must be 2-D [codebooks, frames], got " +
                                                 io::shape_to_string(array.shape));
  }
  return {array.shape[0], array.shape[1], io::npy_to_int32(array, path.string())};
}

void PromptArgs::add_to(CLI::App* cmd) {
  auto* t = cmd->add_option("--text", text, "Text to speak");
  auto* f = cmd->add_option("--text-file", text_file, "Read the text to speak from a file (- for stdin)");
  t->excludes(f);
  cmd->add_option("--prompt-text", prompt_texts, "Transcript of a reference (repeatable, paired in order)")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--prompt-tokens", prompt_tokens, "Codes [codebooks, frames] of a reference, .npy (repeatable)")
      ->allow_extra_args(false)
      ->take_all();
}

std::string PromptArgs::read_text() const {
  if (!text_file.empty()) return read_file(text_file, "--text-file");
  if (text.empty()) throw Error(ErrorCode::kInvalidArgument, "no text given: use --text or --text-file");
  return text;
}

std::vector<text::PromptReference> PromptArgs::read_references() const {
  if (prompt_texts.size() != prompt_tokens.size()) {
    throw Error(ErrorCode::kInvalidArgument, "--prompt-text given " + std::to_string(prompt_texts.size()) +
                                                 " times but --prompt-tokens " + std::to_string(prompt_tokens.size()) +
                                                 " times; give them in pairs");
  }
  std::vector<text::PromptReference> refs;
  for (std::size_t i = 0; i < prompt_texts.size(); ++i) refs.push_back({prompt_texts[i], read_codes(prompt_tokens[i])});
  return refs;
}

}  // namespace fishtts::cli
