// The codec variants the benchmark sweeps: each one a codec precision (hw/engine_settings.h, whose table they
// follow) and how it changes the engine's conversion options.
#pragma once

#include <string>
#include <vector>

#include "pipeline/engine.h"

namespace fishtts::cli::bench {

struct CodecVariant {
  std::string name;
  hw::CodecPrecision precision;
  void apply(pipeline::EngineParams& params) const;
};

// The first variant is the reference the others' SNR is measured against.
const CodecVariant* find_codec_variant(const std::string& name);
std::vector<std::string> codec_variant_names();
const char* reference_codec_variant();

}  // namespace fishtts::cli::bench
