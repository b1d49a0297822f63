#include "ort/env.h"

#include <memory>
#include <mutex>
#include <optional>

#include "hw/cpu_info.h"

namespace fishtts::ort {
namespace {

std::mutex g_mutex;
std::unique_ptr<Ort::Env> g_env;
// The pool's size: the last configure_env() before env() made the pool, then fixed. Unset: the machine's choice.
// ONNX Runtime cannot report its global pool's size, so this is the one record of what env() passed it.
std::optional<int> g_threads;

// Under g_mutex.
int pool_threads_locked() { return g_threads ? *g_threads : hw::choose_settings(hw::detect_cpu()).intra_op_threads; }

}  // namespace

int configure_env(const hw::EngineSettings& settings) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_env) g_threads = settings.intra_op_threads;
  return pool_threads_locked();
}

std::string share_env(hw::EngineSettings& settings) {
  const int asked = settings.intra_op_threads;
  const int running = configure_env(settings);
  if (running == asked) return "";
  settings.intra_op_threads = running;
  settings.threads_reason = "the process's ONNX Runtime thread pool, made earlier (by another engine or model)";
  return "ONNX Runtime's thread pool is one per process and already runs " + std::to_string(running) +
         " threads (made by an earlier engine or model): this one shares it instead of the " + std::to_string(asked) +
         " asked for";
}

Ort::Env& env() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_env) {
    const int threads = pool_threads_locked();
    g_threads = threads;
    Ort::ThreadingOptions threading;
    threading.SetGlobalIntraOpNumThreads(threads);
    threading.SetGlobalInterOpNumThreads(1);
    // Spinning keeps the workers hot between the ~10 short graph calls of every frame; without it each call
    // pays a wake-up.
    threading.SetGlobalSpinControl(1);
    // Warnings only: ORT's info level prints per-node placement lines that drown the CLI's own output.
    g_env = std::make_unique<Ort::Env>(threading, ORT_LOGGING_LEVEL_WARNING, "fishtts");
    // ONNX Runtime's telemetry was seen sending DNS queries for events.data.microsoft.com at shutdown: an engine
    // that runs local models reports nothing anywhere.
    g_env->DisableTelemetryEvents();
  }
  return *g_env;
}

int intra_op_threads() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return pool_threads_locked();
}

std::string runtime_version() { return Ort::GetVersionString(); }

std::vector<std::string> available_providers() { return Ort::GetAvailableProviders(); }

}  // namespace fishtts::ort
