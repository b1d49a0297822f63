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
  checkpoint::make_checkpoint(checkpoint::preset_by_name("tiny"), kDemoSeed, partial.string());
  std::error_code ec;
  fs::rename(partial, dir, ec);  // another process may have won the race: its copy is identical
  if (ec) fs::remove_all(partial);
  return dir;
}

}  // namespace fishtts::pipeline
