// A stored voice (reference_store.h) as synthesis references: its clips' transcripts and codes, encoded by this
// engine's codec on first use and read from the store's cache afterwards. Shared by `say --reference-id`, the
// server and the C API.
#pragma once

#include <string>
#include <vector>

#include "pipeline/engine.h"
#include "pipeline/reference_store.h"
#include "pipeline/synthesis.h"

namespace fishtts::pipeline {

std::vector<ReferenceInput> stored_reference(const Engine& engine, ReferenceStore& store, const std::string& id);

}  // namespace fishtts::pipeline
