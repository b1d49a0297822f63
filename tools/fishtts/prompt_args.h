// The text to speak and the references, as upstream's CLI takes them: --text / --text-file (or stdin with
// "-"), and repeatable --prompt-text / --prompt-tokens pairs, in order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "text/prompt.h"

namespace fishtts::cli {

struct PromptArgs {
  std::string text;
  std::filesystem::path text_file;
  std::vector<std::string> prompt_texts;
  std::vector<std::filesystem::path> prompt_tokens;

  void add_to(CLI::App* cmd);
  // The text (from --text, --text-file, or stdin for --text-file -); throws when none was given.
  std::string read_text() const;
  // The references, paired in order; throws when the counts differ or a codes file is unreadable.
  std::vector<text::PromptReference> read_references() const;
};

std::string read_file(const std::filesystem::path& path, const char* what);
// Codes [codebooks, frames] from a .npy file.
text::IntMatrix read_codes(const std::filesystem::path& path);

}  // namespace fishtts::cli
