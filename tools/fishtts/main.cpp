// fishtts: the command-line front end. Subcommands live in cmd_<name>.cpp; this file only wires them up and
// turns library errors into a message and an exit code.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "common/error.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"fishtts: Fish Speech / OpenAudio S1 text-to-speech on CPUs with ONNX Runtime"};
  app.set_version_flag("--version", fishtts::version());
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();  // --help shows every default

  fishtts::cli::add_say_command(app);
  fishtts::cli::add_info_command(app);
  fishtts::cli::add_convert_command(app);
  fishtts::cli::add_generate_command(app);
  fishtts::cli::add_tokenize_command(app);
  fishtts::cli::add_inspect_command(app);
  fishtts::cli::add_dev_command(app);
  fishtts::cli::add_encode_command(app);
  fishtts::cli::add_decode_command(app);
  fishtts::cli::add_references_command(app);
  fishtts::cli::add_serve_command(app);
  fishtts::cli::add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const fishtts::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
