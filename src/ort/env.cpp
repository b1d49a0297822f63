#include "ort/env.h"

#include <memory>
#include <mutex>
#include <optional>

#include "hw/cpu_info.h"

namespace fishtts::ort {
namespace {

std::mutex g_mutex;
std::unique_ptr<Ort::Env> g_env;
std::optional<hw::EngineSettings> g_settings;  // unset: chosen from this machine on first use

}  // namespace

bool configure_env(const hw::EngineSettings& settings) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_env) return false;
  g_settings = settings;
  return true;
}

Ort::Env& env() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_env) {
    if (!g_settings) g_settings = hw::choose_settings(hw::detect_cpu());
    Ort::ThreadingOptions threading;
    threading.SetGlobalIntraOpNumThreads(g_settings->intra_op_threads);
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
  if (!g_settings) g_settings = hw::choose_settings(hw::detect_cpu());
  return g_settings->intra_op_threads;
}

std::string runtime_version() { return Ort::GetVersionString(); }

std::vector<std::string> available_providers() { return Ort::GetAvailableProviders(); }

}  // namespace fishtts::ort
