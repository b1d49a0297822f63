// docs/BENCHMARKS.md, generated from the merged JSON of a `fishtts bench` run: how to reproduce it, the machine
// and its measured bounds, then one table per workload group (transformer, end to end, codec).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fishtts::cli::bench {

std::string markdown_report(const nlohmann::json& report);

}  // namespace fishtts::cli::bench
