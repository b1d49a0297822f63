#include "bench/codec_variants.h"

namespace fishtts::cli::bench {
namespace {

// One variant per codec precision, in hw's table order (fp32, the reference, first).
const std::vector<CodecVariant>& variants() {
  static const std::vector<CodecVariant> all = [] {
    std::vector<CodecVariant> v;
    for (const std::string& name : hw::codec_precision_names()) v.push_back({name, hw::parse_codec_precision(name)});
    return v;
  }();
  return all;
}

}  // namespace

void CodecVariant::apply(pipeline::EngineParams& params) const { params.overrides.codec_precision = precision; }

const CodecVariant* find_codec_variant(const std::string& name) {
  for (const CodecVariant& v : variants()) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

std::vector<std::string> codec_variant_names() { return hw::codec_precision_names(); }

const char* reference_codec_variant() { return variants().front().name.c_str(); }

}  // namespace fishtts::cli::bench
