// `fishtts bench`: the benchmark suite (issue 7). Fixed workloads (prefill, generate, say and its time to first
// audio, codec decode / encode) swept over precisions and thread counts, each against the machine's bound measured
// in the same run, with the quality of each precision vs fp32; writes bench/results/<date>-<cpu>.json and
// docs/BENCHMARKS.md. Each thread count runs in a child process (this binary with the hidden --worker flag):
// ONNX Runtime's thread pool is fixed per process.
#include <cstdio>
#include <fstream>
#include <memory>

#include "bench/codec_variants.h"
#include "bench/job.h"
#include "bench/machine_report.h"
#include "bench/markdown_report.h"
#include "bench/sweep.h"
#include "commands.h"
#include "common/error.h"
#include "hw/cpu_info.h"
#include "hw/engine_settings.h"

namespace fishtts::cli {
namespace {

namespace fs = std::filesystem;

struct BenchOptions {
  bench::SweepOptions sweep;
  bool quick = false;
  fs::path json;
  fs::path markdown;
  // Hidden: one child job.
  std::string worker;
  bool quality = false;
  fs::path reference_dir;
};

void write_file(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw Error(ErrorCode::kIo, path.string() + ": write failed");
}

void run_worker(const BenchOptions& opt) {
  bench::Job job = bench::Job::parse(opt.worker);
  if (opt.sweep.threads.size() != 1) throw Error(ErrorCode::kInvalidArgument, "--worker takes exactly one --threads value");
  job.threads = opt.sweep.threads.front();
  job.quality = opt.quality;
  job.config = opt.sweep.config;
  job.params.model_path = opt.sweep.model;
  job.params.cache_dir = opt.sweep.cache_dir;
  job.params.overrides.precision = hw::parse_precision(opt.sweep.precisions.front());
  job.reference_dir = opt.reference_dir;
  write_file(opt.json, bench::run_job(job).to_json().dump(2) + "\n");
}

void run(BenchOptions& opt) {
  if (!opt.worker.empty()) return run_worker(opt);
  bench::SweepOptions& s = opt.sweep;
  s.repo_root = bench::find_repo_root();
  const std::string model_name = hw::detect_cpu().model_name;
  const fs::path results_dir = s.repo_root.empty() ? fs::path(".") : s.repo_root / "bench" / "results";
  if (opt.json.empty()) opt.json = results_dir / (bench::today_utc() + "-" + bench::cpu_slug(model_name) + ".json");
  if (opt.markdown.empty()) opt.markdown = s.repo_root.empty() ? fs::path("BENCHMARKS.md") : s.repo_root / "docs" / "BENCHMARKS.md";

  nlohmann::json report = bench::run_sweep(s);
  const fs::path shown = s.repo_root.empty() ? opt.json : fs::relative(fs::absolute(opt.json), s.repo_root);
  report["json_file"] = shown.string();
  write_file(opt.json, report.dump(2) + "\n");
  write_file(opt.markdown, bench::markdown_report(report));
  std::fprintf(stderr, "bench: wrote %s and %s\n", opt.json.c_str(), opt.markdown.c_str());
  if (!report["failures"].empty()) {
    throw Error(ErrorCode::kInternal, std::to_string(report["failures"].size()) +
                                          " benchmark job(s) failed (see above); the others are in " + opt.json.string());
  }
}

// --quick changes the sizes the user did not set explicitly.
void apply_quick(CLI::App* cmd, bench::BenchConfig& c) {
  bench::BenchConfig q = c;
  q.make_quick();
  auto keep = [&](const char* flag, auto& field, auto quick_value) {
    if (cmd->count(flag) == 0) field = quick_value;
  };
  keep("--runs", c.runs, q.runs);
  keep("--warmup", c.warmup, q.warmup);
  keep("--prefill-tokens", c.prefill_tokens, q.prefill_tokens);
  keep("--frames", c.frames, q.frames);
  keep("--codec-seconds", c.codec_seconds, q.codec_seconds);
  keep("--bound-mb", c.bound_mb, q.bound_mb);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto opt = std::make_shared<BenchOptions>();
  bench::SweepOptions& s = opt->sweep;
  bench::BenchConfig& c = s.config;
  s.precisions = {"fp32", "int8", "int4"};
  CLI::App* cmd = app.add_subcommand("bench", "Benchmark suite: stage timings vs the machine's bounds, precision and thread sweeps");
  cmd->add_option("--model", s.model, "Checkpoint folder or bundle (default: an S1-mini-sized random checkpoint in <cache>/bench)");
  cmd->add_option("--cache-dir", s.cache_dir, "Where converted bundles are kept (default: $XDG_CACHE_HOME/fishtts)");
  cmd->add_option("--precision", s.precisions, "Transformer precisions to sweep")
      ->delimiter(',')
      ->check(CLI::IsMember(hw::precision_names()));
  s.codec_variants = bench::codec_variant_names();
  cmd->add_option("--codec-precision", s.codec_variants, "Codec variants to sweep (the first is the SNR reference)")
      ->delimiter(',')
      ->check(CLI::IsMember(bench::codec_variant_names()));
  cmd->add_option("--parts", s.parts, "Which jobs run: llm (transformer + end to end), codec")
      ->delimiter(',')
      ->check(CLI::IsMember({"llm", "codec"}));
  cmd->add_option("--merge", s.merge, "An earlier run's JSON: its results for jobs this run does not repeat are kept");
  cmd->add_option("--threads", s.threads, "Thread counts to sweep (default: 1 and the machine's default)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--runs", c.runs, "Timed runs per workload")->check(CLI::Range(1, 1000));
  cmd->add_option("--warmup", c.warmup, "Warm-up runs per workload (not timed)")->check(CLI::Range(0, 100));
  cmd->add_option("--json", opt->json, "Results (default: bench/results/<date>-<cpu>.json in the repository, else ./)");
  cmd->add_option("--markdown", opt->markdown, "Generated table (default: docs/BENCHMARKS.md in the repository, else ./BENCHMARKS.md)");
  cmd->add_flag("--quick", opt->quick, "Smoke test: one run, no warm-up, small sizes");
  cmd->add_flag("--quality-only", c.quality_only,
                "Transformer jobs: the prefill and the logit comparison vs fp32 only (no generate / say timings); "
                "the first --threads value runs it");
  // Hidden: workload sizes (tests use small ones) and the child-process protocol.
  cmd->add_option("--prefill-tokens", c.prefill_tokens)->group("")->check(CLI::Range(1, 100000));
  cmd->add_option("--frames", c.frames)->group("")->check(CLI::Range(2, 100000));
  cmd->add_option("--codec-seconds", c.codec_seconds)->group("")->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--bound-mb", c.bound_mb)->group("")->check(CLI::Range(16, 1 << 16));
  cmd->add_option("--worker", opt->worker)->group("");
  cmd->add_flag("--quality", opt->quality)->group("");
  cmd->add_option("--reference-dir", opt->reference_dir)->group("");
  cmd->callback([opt, cmd] {
    if (opt->quick) apply_quick(cmd, opt->sweep.config);
    if (opt->sweep.threads.empty()) {
      const int machine = hw::choose_settings(hw::detect_cpu()).intra_op_threads;
      opt->sweep.threads = machine > 1 ? std::vector<int>{1, machine} : std::vector<int>{1};
      if (opt->quick) opt->sweep.threads = {machine};
    }
    run(*opt);
  });
}

}  // namespace fishtts::cli
