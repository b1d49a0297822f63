#include "pipeline/stored_reference.h"

namespace fishtts::pipeline {

std::vector<ReferenceInput> stored_reference(const Engine& engine, ReferenceStore& store, const std::string& id) {
  std::vector<ReferenceInput> out;
  for (text::PromptReference& r :
       store.codes(id, engine.codec_key(), [&](std::span<const float> s) { return engine.codec().encode(s); })) {
    out.push_back({std::move(r.text), std::move(r.codes), {}});
  }
  return out;
}

}  // namespace fishtts::pipeline
