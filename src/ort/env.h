// One Ort::Env per process (ONNX Runtime wants exactly one), created on first use, with ONE intra-op thread
// pool shared by every session (the slow, fast and codec graphs run one after another, never together):
// per-session pools would put 2-3x as many threads as cores on the CPU and make them fight at every call.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>
#include <vector>

#include "hw/engine_settings.h"

namespace fishtts::ort {

// Sizes the shared pool from `settings` (threads, spinning). Effective only before env() is first used;
// returns false (and changes nothing) afterwards.
bool configure_env(const hw::EngineSettings& settings);

Ort::Env& env();

// Threads of the shared intra-op pool: those of the settings env() was, or will be, made with.
int intra_op_threads();

std::string runtime_version();                   // e.g. "1.29.0"
std::vector<std::string> available_providers();  // e.g. {"CPUExecutionProvider"}

}  // namespace fishtts::ort
