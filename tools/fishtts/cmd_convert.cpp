// `fishtts convert --model DIR --out BUNDLE`: the checkpoint's transformer as ONNX graphs, ready to run.
#include <chrono>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "convert/codec_bundle.h"
#include "model_args.h"

namespace fishtts::cli {

void add_convert_command(CLI::App& app) {
  struct Options {
    ModelArgs model;
    std::string out;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a checkpoint folder to ONNX graphs (a bundle folder)");
  opt->model.add_to(cmd);
  cmd->add_option("--out", opt->out, "Bundle folder to write")->required();
  cmd->callback([opt] {
    auto options = opt->model.convert_options();
    auto start = std::chrono::steady_clock::now();
    convert::convert_llm(opt->model.model.string(), opt->out, options);
    convert::convert_codec(opt->model.model.string(), opt->out, {});
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("converted %s -> %s (%s weights, %s heads) in %.1f s\n", opt->model.model.c_str(), opt->out.c_str(),
                hw::precision_name(options.graph.weights.precision),
                convert::sample_space_name(options.graph.sample_space), s);
  });
}

}  // namespace fishtts::cli
