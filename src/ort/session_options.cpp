#include "ort/session_options.h"

namespace fishtts::ort {

Ort::SessionOptions make_session_options(const hw::EngineSettings& settings) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(settings.intra_op_threads);
  // Our graphs are chains (one layer after another): parallel execution of independent nodes buys nothing
  // and a second pool would compete with the intra-op threads for the same cores.
  options.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  options.SetInterOpNumThreads(1);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  return options;
}

}  // namespace fishtts::ort
