#include "pipeline/demo_model.h"

#include <unistd.h>

#include "checkpoint/make_checkpoint.h"

namespace fishtts::pipeline {

namespace {
constexpr uint64_t kDemoSeed = 20251124;  // fixed: every machine gets the same demo weights
}

std::filesystem::path ensure_demo_model(const std::filesystem::path& cache_dir) {
  namespace fs = std::filesystem;
  const fs::path dir = cache_dir / "demo-model";
  if (fs::exists(dir / "config.json")) return dir;
  fs::create_directories(cache_dir);
  const fs::path partial = cache_dir / ("demo-model.partial-" + std::to_string(::getpid()));
  fs::remove_all(partial);
  // The fixture's tiny sizes, but S1's position limits: random weights rarely stop on <|im_end|>, so a demo
  // request runs to its whole budget (1024 frames, 47 s), beyond the tiny codec's 256-frame RoPE tables.
  checkpoint::Preset preset = checkpoint::preset_by_name("tiny");
  const checkpoint::CodecConfig s1 = checkpoint::CodecConfig::s1_defaults();
  preset.codec.pre_module.block_size = s1.pre_module.block_size;
  preset.codec.post_module.block_size = s1.post_module.block_size;
  preset.codec.general_block_size = s1.general_block_size;
  checkpoint::make_checkpoint(preset, kDemoSeed, partial.string());
  std::error_code ec;
  fs::rename(partial, dir, ec);  // another process may have won the race: its copy is identical
  if (ec) fs::remove_all(partial);
  return dir;
}

}  // namespace fishtts::pipeline
