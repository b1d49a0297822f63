#include "bench/markdown_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>
#include <sstream>

namespace fishtts::cli::bench {
namespace {

struct Group {
  const char* key;
  const char* title;
  const char* about;
};

const Group kGroups[] = {
    {"transformer", "Transformer",
     "`prefill`: a prompt of `prefill_tokens` positions into an empty KV cache (bound: its FLOPs / FMA peak). "
     "`generate`: the decode loop after the first frame, `frames` frames with the stop token ignored (bound: "
     "the weight bytes a frame streams, read from the bundle's initializers, / read bandwidth). Quality: logit "
     "cosine (mean), top-1 agreement and mean KL(p_fp32 || p) vs fp32 on the prefill and the teacher-forced steps "
     "(the table below), slow and fast transformer."},
    {"end_to_end", "End to end",
     "`say`: the whole request for a fixed paragraph, `frames` frames (stop ignored), streaming codec included "
     "(bound: prompt FLOPs + per frame weight bytes and codec FLOPs). `first_audio`: time to the first audio "
     "chunk of the same requests."},
    {"codec", "Codec",
     "`codec_decode`: `codec_seconds` of random codes to audio; `codec_encode`: as much audio (a chirp) to codes "
     "(bound: FLOPs from the codec config, spec 9.3, / FMA peak). Quality: SNR of the decoded audio and code "
     "agreement of the encode vs the fp32 codec."},
};

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string quality_cell(const nlohmann::json& r) {
  if (!r.contains("quality")) return "";
  const nlohmann::json& q = r["quality"];
  if (q.contains("slow_cosine")) {
    // KL is absent from reports written before it was measured.
    auto kl = [&](const char* key) { return q.contains(key) ? " / KL " + fmt("%.2g", q[key].get<double>()) : std::string(); };
    return "slow " + fmt("%.4f", q["slow_cosine"].get<double>()) + " / " + fmt("%.0f%%", 100 * q["slow_top1"].get<double>()) +
           kl("slow_kl") + ", fast " + fmt("%.4f", q["fast_cosine"].get<double>()) + " / " +
           fmt("%.0f%%", 100 * q["fast_top1"].get<double>()) + kl("fast_kl");
  }
  if (q.contains("snr_db")) return q["snr_db"].is_null() ? "identical" : "SNR " + fmt("%.1f dB", q["snr_db"].get<double>());
  if (q.contains("code_agreement")) return fmt("codes %.1f%% equal", 100 * q["code_agreement"].get<double>());
  return "";
}

std::string per_unit_cell(const nlohmann::json& r) {
  if (r.contains("ms_per_frame")) return fmt("%.1f /frame", r["ms_per_frame"].get<double>());
  if (r.contains("ms_per_token")) return fmt("%.2f /token", r["ms_per_token"].get<double>());
  return "";
}

void write_table(std::ostringstream& md, const nlohmann::json& results, const Group& g) {
  md << "## " << g.title << "\n\n" << g.about << "\n\n";
  md << "| workload | precision | threads | median ms | spread | ms per unit | RTF | peak RSS MB | bound ms | "
        "of bound | quality vs fp32 |\n";
  md << "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const nlohmann::json& r : results) {
    if (r["group"] != g.key) continue;
    md << "| " << r["workload"].get<std::string>() << " | " << r["precision"].get<std::string>() << " | "
       << r["threads"].get<int>() << " | " << fmt("%.1f", r["median_ms"].get<double>()) << " | "
       << fmt("%.0f%%", 100 * r["spread"].get<double>()) << " | " << per_unit_cell(r) << " | "
       << (r.contains("rtf") ? fmt("%.3f", r["rtf"].get<double>()) : "") << " | "
       << fmt("%.0f", r["peak_rss_bytes"].get<double>() / 1e6) << " | " << fmt("%.1f", r["bound"]["ms"].get<double>())
       << " | " << fmt("%.0f%%", 100 * r["bound_ratio"].get<double>()) << " | " << quality_cell(r) << " |\n";
  }
  md << "\n";
}

// The transformer quality pass, one row per precision (from its prefill result): what the quality cells say, with
// the KL maxima and how peaked the fp32 reference is (top-1 agreement means little when its top-1 probability is
// near 1/vocab, as on plain random weights).
void write_quality(std::ostringstream& md, const nlohmann::json& results) {
  std::vector<const nlohmann::json*> rows;
  for (const nlohmann::json& r : results) {
    if (r["workload"] == "prefill" && r.contains("quality") && r["quality"].contains("slow_kl")) rows.push_back(&r);
  }
  if (rows.empty()) return;
  const nlohmann::json& first = (*rows.front())["quality"];
  md << "## Transformer quality vs fp32\n\nThe prefill's logits and " << first.value("teacher_forced_steps", 0)
     << " teacher-forced decode steps (fixed codes, the same for every precision), each with its fast pass: "
     << first["slow_vectors"].get<int>() << " slow and " << first["fast_vectors"].get<int>()
     << " fast logit vectors. KL = KL(p_fp32 || p) of the softmax distributions in nats (mean, max); fp32 p(top-1) "
        "= the reference's mean top-1 probability.\n\n"
     << "| precision | threads | slow cosine | slow top-1 | slow KL | slow KL max | fast cosine | fast top-1 | fast KL "
        "| fast KL max | fp32 p(top-1) slow / fast |\n"
     << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const nlohmann::json* r : rows) {
    const nlohmann::json& q = (*r)["quality"];
    md << "| " << (*r)["precision"].get<std::string>() << " | " << (*r)["threads"].get<int>();
    for (const char* part : {"slow", "fast"}) {
      const std::string p = part;
      md << " | " << fmt("%.5f", q[p + "_cosine"].get<double>()) << " | " << fmt("%.1f%%", 100 * q[p + "_top1"].get<double>())
         << " | " << fmt("%.3g", q[p + "_kl"].get<double>()) << " | " << fmt("%.3g", q[p + "_kl_max"].get<double>());
    }
    md << " | " << fmt("%.3f", q["slow_fp32_p_top1"].get<double>()) << " / " << fmt("%.3f", q["fast_fp32_p_top1"].get<double>())
       << " |\n";
  }
  md << "\n";
}

// Per workload, its fastest configuration and how far that is from the bound, furthest first: where the remaining
// time goes.
void write_gaps(std::ostringstream& md, const nlohmann::json& results) {
  std::map<std::string, const nlohmann::json*> fastest;
  for (const nlohmann::json& r : results) {
    const nlohmann::json*& best = fastest[r["workload"].get<std::string>()];
    if (!best || r["median_ms"].get<double>() < (*best)["median_ms"].get<double>()) best = &r;
  }
  std::vector<const nlohmann::json*> rows;
  for (const auto& [name, r] : fastest) rows.push_back(r);
  std::sort(rows.begin(), rows.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
    return (*a)["bound_ratio"].get<double>() < (*b)["bound_ratio"].get<double>();
  });
  md << "## Gaps to the bound\n\nEach workload's fastest configuration, furthest from its bound first.\n\n"
     << "| workload | fastest as | median ms | bound ms | of bound |\n| --- | --- | ---: | ---: | ---: |\n";
  for (const nlohmann::json* r : rows) {
    md << "| " << (*r)["workload"].get<std::string>() << " | " << (*r)["precision"].get<std::string>() << ", "
       << (*r)["threads"].get<int>() << " thread(s) | " << fmt("%.1f", (*r)["median_ms"].get<double>()) << " | "
       << fmt("%.1f", (*r)["bound"]["ms"].get<double>()) << " | " << fmt("%.0f%%", 100 * (*r)["bound_ratio"].get<double>())
       << " |\n";
  }
  md << "\n";
}

std::string loads(const nlohmann::json& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + fmt("%.2f", x.get<double>());
  return s.empty() ? "unknown" : s;
}

}  // namespace

std::string markdown_report(const nlohmann::json& report) {
  const nlohmann::json& m = report["machine"];
  const nlohmann::json& c = report["config"];
  std::ostringstream md;
  md << "# Benchmarks\n\n"
     << "Generated by `fishtts bench` (do not edit by hand). Reproduce with `make bench` (builds, then runs "
        "`fishtts bench` with its defaults: an S1-mini-sized random checkpoint, fp32 / int8 / int4, 1 thread and the "
        "machine's default), or this run's command line:\n\n"
     << "```sh\n" << report["command"].get<std::string>() << "\n```\n\n"
     << "Timings are the median of " << c["runs"].get<int>() << " runs after " << c["warmup"].get<int>()
     << " warm-up run(s); spread = (max - min) / median. RTF = processing seconds per second of audio. "
        "\"of bound\" = the machine's bound / the median: 100% would be running at the measured memory bandwidth "
        "(transformer decode) or FMA peak (prefill, codec). Random weights: speed is that of the real model, "
        "quality figures compare precisions only. Raw numbers: `"
     << report["json_file"].get<std::string>() << "`.\n\n";
  md << "| machine | |\n| --- | --- |\n"
     << "| CPU | " << m["cpu"].get<std::string>() << " (" << m["logical_cpus"].get<int>() << " logical, "
     << m["physical_cores"].get<int>() << " physical) |\n";
  std::string isa;
  for (const auto& x : m["isa"]) isa += (isa.empty() ? "" : " ") + x.get<std::string>();
  md << "| ISA | " << isa << " |\n"
     << "| memory | " << fmt("%.1f GB", m["memory_bytes"].get<double>() / 1e9) << " |\n"
     << "| ONNX Runtime | " << m["onnxruntime"].get<std::string>() << " |\n"
     << "| commit | " << m["git_commit"].get<std::string>() << " |\n"
     << "| date | " << m["date"].get<std::string>() << " |\n"
     << "| load average (1/5/15 min) | start " << loads(m["loadavg_start"]) << ", end " << loads(m["loadavg_end"])
     << " |\n";
  for (const nlohmann::json& earlier : report.value("merged", nlohmann::json::array())) {
    md << "| merged from | " << earlier["file"].get<std::string>() << " (" << earlier["date"].get<std::string>()
       << ", load " << loads(earlier["loadavg_start"]) << " -> " << loads(earlier["loadavg_end"]) << "): `"
       << earlier["command"].get<std::string>() << "` |\n";
  }
  md << "| sizes | prefill " << c["prefill_tokens"].get<int>() << " tokens, " << c["frames"].get<int>()
     << " frames, codec " << c["codec_seconds"].get<double>() << " s |\n\n";
  md << "Bounds measured in each run's process (read: " << c["bound_mb"].get<int>()
     << " MB buffer summed; FMA: a tight vector FMA loop):\n\n"
     << "| job | threads | read GB/s | FMA GFLOP/s |\n| --- | ---: | ---: | ---: |\n";
  for (const nlohmann::json& b : report["bounds"]) {
    md << "| " << b["job"].get<std::string>() << " | " << b["threads"].get<int>() << " | "
       << fmt("%.1f", b["read_gbps"].get<double>()) << " | " << fmt("%.1f", b["fma_gflops"].get<double>()) << " |\n";
  }
  md << "\n";
  for (const Group& g : kGroups) write_table(md, report["results"], g);
  write_quality(md, report["results"]);
  write_gaps(md, report["results"]);
  // The #18 memory figures are measured by hand (say / serve, before and after each change), not by this suite.
  md << "## Memory\n\nThe peak RSS column above is per workload. Where a running engine's memory goes, the "
        "before/after figures of each memory change and the next savings: `docs/memory.md` (hand-written).\n\n";
  if (!report["failures"].empty()) md << "Failed jobs: `" << report["failures"].dump() << "`\n";
  return md.str();
}

}  // namespace fishtts::cli::bench
