// The codec variants the benchmark sweeps: each one a name and how it changes the engine's conversion options.
// A new codec precision is one more line in codec_variants.cpp.
#pragma once

#include <string>
#include <vector>

#include "pipeline/engine.h"

namespace fishtts::cli::bench {

struct CodecVariant {
  const char* name;
  void (*apply)(pipeline::EngineParams& params);
};

// The first variant is the reference the others' SNR is measured against.
const CodecVariant* find_codec_variant(const std::string& name);
std::vector<std::string> codec_variant_names();
const char* reference_codec_variant();

}  // namespace fishtts::cli::bench
