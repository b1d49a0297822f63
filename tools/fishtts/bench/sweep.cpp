#include "bench/sweep.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "bench/child_process.h"
#include "bench/codec_variants.h"
#include "bench/machine_report.h"
#include "checkpoint/make_checkpoint.h"
#include "common/error.h"
#include "common/paths.h"
#include "hw/cpu_info.h"
#include "pipeline/engine.h"
#include "pipeline/model_resolver.h"

namespace fishtts::cli::bench {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

fs::path cache_of(const SweepOptions& o) { return o.cache_dir.empty() ? default_cache_dir() : fs::path(o.cache_dir); }

// The default model: an S1-mini-sized random checkpoint, made once (into a scratch folder renamed into place, so
// an interrupted run never leaves half a checkpoint that looks usable).
std::string default_model(const fs::path& cache) {
  const fs::path dir = cache / "bench" / "s1-mini-random";
  if (fs::exists(dir / "config.json")) return dir.string();
  const fs::path scratch = cache / "bench" / ("s1-mini-random.tmp-" + std::to_string(::getpid()));
  std::fprintf(stderr, "bench: making an S1-mini-sized random checkpoint in %s...\n", dir.c_str());
  fs::remove_all(scratch);
  checkpoint::make_checkpoint(checkpoint::preset_by_name("s1-mini"), 0, scratch.string());
  fs::rename(scratch, dir);
  return dir.string();
}

pipeline::EngineParams params_for(const SweepOptions& o, const std::string& model, const std::string& precision) {
  pipeline::EngineParams p;
  p.model_path = model;
  p.cache_dir = cache_of(o).string();
  p.overrides.precision = hw::parse_precision(precision);
  return p;
}

// Converts every bundle the children will load, once, before any timing starts.
void prepare_bundles(const SweepOptions& o, const std::string& model) {
  auto resolve = [&](pipeline::EngineParams p) {
    const hw::EngineSettings settings = hw::choose_settings(hw::detect_cpu(), p.overrides);
    const convert::ResolvedBundle b =
        pipeline::resolve_model(p, settings, [](const std::string& l) { std::fprintf(stderr, "bench: %s\n", l.c_str()); });
    if (b.converted) std::fprintf(stderr, "bench: converted in %.0f s: %s\n", b.convert_seconds, b.dir.c_str());
  };
  const bool llm = std::find(o.parts.begin(), o.parts.end(), "llm") != o.parts.end();
  const bool codec = std::find(o.parts.begin(), o.parts.end(), "codec") != o.parts.end();
  for (const std::string& p : o.precisions) {
    if (llm) resolve(params_for(o, model, p));
  }
  for (const std::string& v : o.codec_variants) {
    if (!codec) break;
    pipeline::EngineParams p = params_for(o, model, o.precisions.front());
    find_codec_variant(v)->apply(p);
    resolve(p);
  }
}

struct PlannedJob {
  std::string name;
  int threads;
  bool quality;
};

// The first thread count also measures quality, so its jobs start with the fp32 references (transformer and codec).
std::vector<PlannedJob> plan(const SweepOptions& o) {
  std::vector<PlannedJob> jobs;
  // --quality-only: the quality pass runs at the first thread count; more would only repeat the prefill timing.
  const std::size_t thread_counts = o.config.quality_only ? std::min<std::size_t>(1, o.threads.size()) : o.threads.size();
  for (std::size_t t = 0; t < thread_counts; ++t) {
    const bool quality = t == 0;
    std::vector<std::string> precisions = o.precisions;
    if (quality) {
      precisions.erase(std::remove(precisions.begin(), precisions.end(), "fp32"), precisions.end());
      precisions.insert(precisions.begin(), "fp32");
    }
    auto wanted = [&](const char* part) { return std::find(o.parts.begin(), o.parts.end(), part) != o.parts.end(); };
    if (wanted("llm")) {
      for (const std::string& p : precisions) jobs.push_back({"llm:" + p, o.threads[t], quality});
    }
    if (wanted("codec")) {
      // The reference codec writes the SNR reference the others read, so it runs first whatever the list's order.
      std::vector<std::string> variants = o.codec_variants;
      if (quality) {
        variants.erase(std::remove(variants.begin(), variants.end(), reference_codec_variant()), variants.end());
        variants.insert(variants.begin(), reference_codec_variant());
      }
      for (const std::string& v : variants) jobs.push_back({"codec:" + v, o.threads[t], quality});
    }
  }
  return jobs;
}

std::vector<std::string> child_args(const SweepOptions& o, const std::string& model, const PlannedJob& job,
                                    const fs::path& json, const fs::path& reference_dir) {
  const BenchConfig& c = o.config;
  std::vector<std::string> args = {"bench", "--worker", job.name, "--threads", std::to_string(job.threads),
                                   "--model", model, "--cache-dir", cache_of(o).string(),
                                   "--runs", std::to_string(c.runs), "--warmup", std::to_string(c.warmup),
                                   "--prefill-tokens", std::to_string(c.prefill_tokens),
                                   "--frames", std::to_string(c.frames),
                                   "--codec-seconds", std::to_string(c.codec_seconds),
                                   "--bound-mb", std::to_string(c.bound_mb),
                                   "--precision", o.precisions.front(),  // the transformer of codec-only bundles
                                   "--json", json.string(), "--reference-dir", reference_dir.string()};
  if (job.quality) args.push_back("--quality");
  if (c.quality_only) args.push_back("--quality-only");
  return args;
}

}  // namespace

std::string SweepOptions::command() const {
  std::vector<std::string> t;
  for (int n : threads) t.push_back(std::to_string(n));
  std::string cmd = "build/tools/fishtts/fishtts bench";
  if (!model.empty()) cmd += " --model " + model;
  cmd += " --precision " + join(precisions) + " --codec-precision " + join(codec_variants) + " --parts " + join(parts) +
         " --threads " + join(t) + " --runs " + std::to_string(config.runs) + " --warmup " + std::to_string(config.warmup);
  if (config.quality_only) cmd += " --quality-only";
  if (!merge.empty()) cmd += " --merge " + merge.string();
  return cmd;
}

void merge_earlier(nlohmann::json& report, const nlohmann::json& earlier, const std::string& source) {
  auto job_key = [](const nlohmann::json& b) { return b["job"].get<std::string>() + "/" + b["threads"].dump(); };
  auto result_key = [](const nlohmann::json& r) {
    const std::string part = r["group"] == "codec" ? "codec:" : "llm:";
    return part + r["precision"].get<std::string>() + "/" + r["threads"].dump();
  };
  std::set<std::string> ran;
  for (const auto& b : report["bounds"]) ran.insert(job_key(b));
  for (const auto& b : earlier.at("bounds")) {
    if (!ran.count(job_key(b))) report["bounds"].push_back(b);
  }
  for (const auto& r : earlier.at("results")) {
    if (!ran.count(result_key(r))) report["results"].push_back(r);
  }
  report["merged"].push_back({{"file", source},
                              {"date", earlier["machine"]["date"]},
                              {"command", earlier["command"]},
                              {"loadavg_start", earlier["machine"]["loadavg_start"]},
                              {"loadavg_end", earlier["machine"]["loadavg_end"]}});
  for (const auto& m : earlier.value("merged", nlohmann::json::array())) report["merged"].push_back(m);
}

fs::path find_repo_root() {
  std::error_code ec;
  for (fs::path p = fs::current_path(ec); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git") && fs::exists(p / "tools" / "fishtts")) return p;
    if (p == p.parent_path()) break;
  }
  return {};
}

nlohmann::json run_sweep(const SweepOptions& o) {
  nlohmann::json report;
  report["machine"] = machine_json(o.repo_root);
  report["machine"]["loadavg_start"] = load_average();
  nlohmann::json config = o.config.to_json();
  config["precisions"] = o.precisions;
  config["codec_variants"] = o.codec_variants;
  config["threads"] = o.threads;
  report["config"] = config;
  report["command"] = o.command();

  const std::string model = o.model.empty() ? default_model(cache_of(o)) : o.model;
  report["config"]["model"] = model;
  prepare_bundles(o, model);

  const fs::path scratch = fs::temp_directory_path() / ("fishtts-bench-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  report["bounds"] = nlohmann::json::array();
  report["results"] = nlohmann::json::array();
  report["failures"] = nlohmann::json::array();
  report["warnings"] = nlohmann::json::array();
  int index = 0;
  for (const PlannedJob& job : plan(o)) {
    const fs::path json = scratch / ("job-" + std::to_string(index++) + ".json");
    std::fprintf(stderr, "bench: running %s with %d thread(s)\n", job.name.c_str(), job.threads);
    const int code = run_self(child_args(o, model, job, json, scratch / "reference"));
    std::ifstream in(json);
    if (code != 0 || !in) {
      report["failures"].push_back({{"job", job.name}, {"threads", job.threads}, {"exit_code", code}});
      continue;
    }
    const nlohmann::json out = nlohmann::json::parse(in);
    nlohmann::json bounds = out["bounds"];
    bounds["job"] = job.name;
    report["bounds"].push_back(bounds);
    for (const auto& r : out["results"]) report["results"].push_back(r);
    for (const auto& w : out["warnings"]) report["warnings"].push_back(w);
  }
  fs::remove_all(scratch);
  report["machine"]["loadavg_end"] = load_average();
  report["merged"] = nlohmann::json::array();
  if (!o.merge.empty()) {
    std::ifstream in(o.merge);
    if (!in) throw Error(ErrorCode::kNotFound, o.merge.string() + ": cannot read the run to merge");
    try {
      merge_earlier(report, nlohmann::json::parse(in), o.merge.string());
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorCode::kBadFormat, o.merge.string() + ": not a fishtts bench report: " + e.what());
    }
  }
  return report;
}

}  // namespace fishtts::cli::bench
