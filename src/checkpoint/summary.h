// What `fishtts inspect` reports about a checkpoint folder: configs, tensor counts, dtypes, parameter totals
// per block, missing / extra / wrong-shape keys. Built from the same loaders the engine uses.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "checkpoint/load_options.h"

namespace fishtts::checkpoint {

// Throws only when a file cannot be read at all; mismatches are reported in the result.
nlohmann::ordered_json summarize_checkpoint(const std::string& dir, const LoadOptions& options = {});

}  // namespace fishtts::checkpoint
