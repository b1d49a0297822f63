#include "ort/session_options.h"

#include <cstdlib>

#include "ort/custom_ops.h"

namespace fishtts::ort {

Ort::SessionOptions make_session_options(const hw::EngineSettings& settings) {
  (void)settings;  // threads come from the process-wide pool (ort/env.h), sized from the same settings
  Ort::SessionOptions options;
  options.DisablePerSessionThreads();
  // Our graphs are chains (one layer after another): parallel execution of independent nodes buys nothing.
  options.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  add_custom_ops(options);  // the codec graphs' com.fishtts ops (ort/custom_ops.h)
  // Developer aid: FISHTTS_ORT_PROFILE=<prefix> writes ONNX Runtime's per-node timing JSON for every session.
  if (const char* prefix = std::getenv("FISHTTS_ORT_PROFILE"); prefix && *prefix) options.EnableProfiling(prefix);
  return options;
}

}  // namespace fishtts::ort
