#include "ort/env.h"

namespace fishtts::ort {

Ort::Env& env() {
  // Warnings only: ORT's info level prints per-node placement lines that drown the CLI's own output.
  static Ort::Env instance(ORT_LOGGING_LEVEL_WARNING, "fishtts");
  return instance;
}

std::string runtime_version() { return Ort::GetVersionString(); }

std::vector<std::string> available_providers() { return Ort::GetAvailableProviders(); }

}  // namespace fishtts::ort
