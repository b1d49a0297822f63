#include "bench/codec_variants.h"

#include <array>

namespace fishtts::cli::bench {
namespace {

const std::array kVariants = {
    CodecVariant{"fp32", [](pipeline::EngineParams& p) { p.overrides.codec_precision = hw::CodecPrecision::kFp32; }},
    CodecVariant{"bf16x3", [](pipeline::EngineParams& p) { p.overrides.codec_precision = hw::CodecPrecision::kBf16x3; }},
    CodecVariant{"bf16", [](pipeline::EngineParams& p) { p.overrides.codec_precision = hw::CodecPrecision::kBf16; }},
    CodecVariant{"int8", [](pipeline::EngineParams& p) { p.overrides.codec_precision = hw::CodecPrecision::kInt8; }},
};

}  // namespace

const CodecVariant* find_codec_variant(const std::string& name) {
  for (const CodecVariant& v : kVariants) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

std::vector<std::string> codec_variant_names() {
  std::vector<std::string> names;
  for (const CodecVariant& v : kVariants) names.emplace_back(v.name);
  return names;
}

const char* reference_codec_variant() { return kVariants.front().name; }

}  // namespace fishtts::cli::bench
