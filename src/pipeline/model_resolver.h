// From EngineParams to a bundle on disk, without loading it: the conversion options the params ask for, and
// the bundle they name (converted into the cache on first use). Apart from engine.h so that what only runs a
// model (the server, the C API) does not compile the converter's headers (ONNX protobufs).
#pragma once

#include "convert/bundle_cache.h"
#include "pipeline/engine.h"

namespace fishtts::pipeline {

// The conversion options these params and settings ask for.
convert::BundleOptions bundle_options(const EngineParams& params, const hw::EngineSettings& settings);

// The bundle for these params (the demo model when model_path is empty; a checkpoint through the cache), without
// loading it: for commands that need only part of the model. Sizes ONNX Runtime's thread pool from `settings`
// first (ort::share_env; a warning when an earlier engine made it with other threads). Warnings go to `log`.
convert::ResolvedBundle resolve_model(const EngineParams& params, const hw::EngineSettings& settings,
                                      const LogFn& log = {});

}  // namespace fishtts::pipeline
