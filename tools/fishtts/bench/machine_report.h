// What the results were measured on: CPU, cores, instruction sets, memory, ONNX Runtime, the engine's commit,
// the date, and how busy the machine was (load average), for the JSON and the Markdown header.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fishtts::cli::bench {

// `repo_root` (may be empty) is asked for its git commit.
nlohmann::json machine_json(const std::filesystem::path& repo_root);
// The 1-, 5- and 15-minute load averages (empty when unavailable).
std::vector<double> load_average();
// "2026-11-25" (UTC).
std::string today_utc();
// "amd-epyc-9r14-96-core-processor": the CPU model for file names.
std::string cpu_slug(const std::string& model_name);

}  // namespace fishtts::cli::bench
