// The parent of a `fishtts bench` run: makes or reuses the model, converts every bundle the sweep needs, runs
// one child process per (part, precision, thread count), and merges their JSON into one report.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_config.h"

namespace fishtts::cli::bench {

struct SweepOptions {
  std::string model;      // checkpoint or bundle; empty = <cache>/bench/s1-mini-random, made on first use
  std::string cache_dir;  // empty = the default cache
  std::vector<std::string> precisions;
  std::vector<std::string> codec_variants;
  std::vector<std::string> parts = {"llm", "codec"};  // which jobs run
  std::filesystem::path merge;  // an earlier run's JSON whose results this run does not repeat are kept
  std::vector<int> threads;
  BenchConfig config;
  std::filesystem::path repo_root;  // empty when not run from the repository
  std::filesystem::path json_file;

  // The command line that reproduces this run.
  std::string command() const;
};

// Runs the sweep and returns the merged report (machine, config, bounds, results, failures).
nlohmann::json run_sweep(const SweepOptions& options);

// `report` plus the results (and bounds) of `earlier` for jobs `report` did not run.
void merge_earlier(nlohmann::json& report, const nlohmann::json& earlier, const std::string& source);

// The repository this is run from (a parent of the working directory with .git and tools/fishtts), or empty.
std::filesystem::path find_repo_root();

}  // namespace fishtts::cli::bench
