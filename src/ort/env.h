// One Ort::Env per process (ONNX Runtime wants exactly one), created on first use, with ONE intra-op thread
// pool shared by every session (the slow, fast and codec graphs run one after another, never together):
// per-session pools would put 2-3x as many threads as cores on the CPU and make them fight at every call.
//
// The pool's size is fixed when env() first makes it: from the last configure_env() before, else the machine's
// choice (hw::choose_settings). An entry point that reports threads (the engine, the CLI's model options, the
// pipeline's model resolver) calls share_env() before anything runs ONNX Runtime: the int8 codec's calibration,
// during a conversion, is such a use.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>
#include <vector>

#include "hw/engine_settings.h"

namespace fishtts::ort {

// Sizes the shared pool from `settings` (threads) unless env() has made it already. Returns the threads the pool
// runs, or will be made with: settings.intra_op_threads unless the pool was made before.
[[nodiscard]] int configure_env(const hw::EngineSettings& settings);

// configure_env(), then makes `settings` say the threads the pool really runs (and why). Returns a warning naming
// both counts when the pool was made earlier with other threads than `settings` asked for, else "".
std::string share_env(hw::EngineSettings& settings);

Ort::Env& env();

// Threads of the shared intra-op pool: those it was made with, or those it will be made with.
int intra_op_threads();

std::string runtime_version();                   // e.g. "1.29.0"
std::vector<std::string> available_providers();  // e.g. {"CPUExecutionProvider"}

}  // namespace fishtts::ort
