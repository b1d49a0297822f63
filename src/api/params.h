// C parameter structs -> the pipeline's C++ params, with every C-side value checked (a C enum can hold anything;
// a pointer can be NULL). Errors name the struct field and the accepted values.
#pragma once

#include "fishtts/fishtts.h"
#include "pipeline/engine.h"
#include "pipeline/synthesis.h"

namespace fishtts::api {

pipeline::EngineParams to_engine_params(const fishtts_engine_params& params);

// engine_rate: the rate reference audio is resampled to.
pipeline::SynthesisRequest to_request(const fishtts_synthesis_params& params, int engine_rate);

}  // namespace fishtts::api
