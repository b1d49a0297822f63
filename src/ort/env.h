// One Ort::Env per process (ONNX Runtime wants exactly one), created on first use.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>
#include <vector>

namespace fishtts::ort {

Ort::Env& env();

std::string runtime_version();               // e.g. "1.29.0"
std::vector<std::string> available_providers();  // e.g. {"CPUExecutionProvider"}

}  // namespace fishtts::ort
