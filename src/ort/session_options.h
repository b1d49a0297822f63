// Session options derived from the engine settings (hw/engine_settings.h), one place for every knob.
#pragma once

#include <onnxruntime_cxx_api.h>

#include "hw/engine_settings.h"

namespace fishtts::ort {

Ort::SessionOptions make_session_options(const hw::EngineSettings& settings);

}  // namespace fishtts::ort
