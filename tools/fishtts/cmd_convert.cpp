// `fishtts convert --model DIR [--out BUNDLE]`: the checkpoint as ONNX graphs (transformer + codec), ready to run.
// Without --out the bundle goes into the cache, where `say` and the other commands find it.
#include <chrono>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "common/error.h"
#include "convert/bundle.h"
#include "model_args.h"
#include "progress.h"
#include "pipeline/model_resolver.h"

namespace fishtts::cli {

void add_convert_command(CLI::App& app) {
  struct Options {
    ModelArgs model;
    std::string out;
    bool quiet = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a checkpoint folder to ONNX graphs (a bundle folder)");
  opt->model.add_to(cmd);
  cmd->add_option("--out", opt->out, "Bundle folder to write (must not exist); default: the cache");
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress on stderr");
  cmd->callback([opt] {
    Progress progress(opt->quiet);
    if (opt->out.empty()) {
      std::printf("%s\n", opt->model.resolve_bundle(progress).c_str());
      return;
    }
    if (convert::has_manifest(opt->model.model)) {
      throw Error(ErrorCode::kInvalidArgument, opt->model.model + " is already a converted bundle");
    }
    const hw::EngineSettings s = opt->model.settings();
    const convert::BundleOptions options = pipeline::bundle_options(opt->model.engine_params(), s);
    const auto start = std::chrono::steady_clock::now();
    convert::write_bundle(opt->model.model, opt->out, options, "",
                          [&](const std::string& stage) { progress.line(stage + "..."); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.line("converted " + opt->model.model + " -> " + opt->out + " (" + hw::precision_name(s.precision) +
                  " weights, " + opt->model.sample_space + " heads) in " + std::to_string(static_cast<int>(seconds + 0.5)) +
                  " s");
    std::printf("%s\n", opt->out.c_str());
  });
}

}  // namespace fishtts::cli
