// `fishtts references add|list|delete|rename`: the reference-voice store that `fishtts say --reference-id` and
// the server's /v1/references/* routes read. Default folder: $FISHTTS_REFERENCES_DIR, else
// <cache>/references (<cache> = $FISHTTS_CACHE_DIR, $XDG_CACHE_HOME/fishtts or ~/.cache/fishtts).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "commands.h"
#include "common/error.h"
#include "pipeline/reference_store.h"

namespace fishtts::cli {
namespace {

struct StoreArgs {
  std::filesystem::path dir;
  double max_seconds = pipeline::ReferenceStoreOptions{}.max_audio_seconds;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--references-dir", dir,
                    "Reference folder (default: $FISHTTS_REFERENCES_DIR, else <cache dir>/references)");
  }
  pipeline::ReferenceStore open() const {
    pipeline::ReferenceStoreOptions options;
    options.max_audio_seconds = max_seconds;
    return pipeline::ReferenceStore(dir.empty() ? pipeline::ReferenceStore::default_root() : dir, options);
  }
};

std::string read_transcript_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, path.string() + ": cannot open transcript file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void add_add(CLI::App* parent) {
  struct Options {
    StoreArgs store;
    std::string id;
    std::filesystem::path audio;
    std::string text;
    std::filesystem::path text_file;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = parent->add_subcommand("add", "Store a reference voice: audio (any format) + its transcript");
  cmd->add_option("id", opt->id, "Reference id: letters, digits, '-', '_', ' ' (at most 255)")->required();
  cmd->add_option("audio", opt->audio, "Audio file (wav, flac, ogg, mp3, ...), stored as 44.1 kHz mono wav")
      ->required();
  auto* text = cmd->add_option("--text", opt->text, "What the audio says");
  auto* text_file = cmd->add_option("--text-file", opt->text_file, "File holding what the audio says (UTF-8)");
  text->excludes(text_file);
  cmd->add_option("--max-seconds", opt->store.max_seconds, "Longest reference audio accepted");
  opt->store.add_to(cmd);
  cmd->callback([opt] {
    if (opt->text.empty() && opt->text_file.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "references add: give the transcript with --text or --text-file");
    }
    const std::string transcript = opt->text_file.empty() ? opt->text : read_transcript_file(opt->text_file);
    pipeline::ReferenceStore store = opt->store.open();
    store.add_file(opt->id, opt->audio, transcript);
    std::fprintf(stderr, "added reference \"%s\" to %s\n", opt->id.c_str(), store.root().c_str());
  });
}

void add_list(CLI::App* parent) {
  auto opt = std::make_shared<StoreArgs>();
  CLI::App* cmd = parent->add_subcommand("list", "Print the stored reference ids, one per line, sorted");
  opt->add_to(cmd);
  cmd->callback([opt] {
    for (const std::string& id : opt->open().list()) std::printf("%s\n", id.c_str());
  });
}

void add_delete(CLI::App* parent) {
  struct Options {
    StoreArgs store;
    std::string id;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = parent->add_subcommand("delete", "Delete a reference voice");
  cmd->add_option("id", opt->id, "Reference id")->required();
  opt->store.add_to(cmd);
  cmd->callback([opt] {
    pipeline::ReferenceStore store = opt->store.open();
    store.remove(opt->id);
    std::fprintf(stderr, "deleted reference \"%s\" from %s\n", opt->id.c_str(), store.root().c_str());
  });
}

void add_rename(CLI::App* parent) {
  struct Options {
    StoreArgs store;
    std::string old_id;
    std::string new_id;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = parent->add_subcommand("rename", "Rename a reference voice (keeps its cached codes)");
  cmd->add_option("old", opt->old_id, "Current id")->required();
  cmd->add_option("new", opt->new_id, "New id")->required();
  opt->store.add_to(cmd);
  cmd->callback([opt] {
    pipeline::ReferenceStore store = opt->store.open();
    store.rename(opt->old_id, opt->new_id);
    std::fprintf(stderr, "renamed reference \"%s\" to \"%s\" in %s\n", opt->old_id.c_str(), opt->new_id.c_str(),
                 store.root().c_str());
  });
}

}  // namespace

void add_references_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("references", "Manage stored reference voices (add, list, delete, rename)");
  cmd->require_subcommand(1);
  add_add(cmd);
  add_list(cmd);
  add_delete(cmd);
  add_rename(cmd);
}

}  // namespace fishtts::cli
