// Runs the built fishtts CLI (FISHTTS_CLI) for end-to-end tests and captures its output and exit code.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fishtts::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `args` is appended to the binary path as shell words; quote what needs quoting. `launcher` (e.g. a setpriv
// command line) runs the binary, when not empty.
inline CliResult run_cli_as(const std::string& launcher, const std::string& args, const std::string& stdin_text = "") {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() / ("fishtts-cli-test-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(counter++));
  fs::create_directories(dir);
  fs::path in = dir / "stdin", out = dir / "stdout", err = dir / "stderr";
  std::ofstream(in, std::ios::binary) << stdin_text;
  std::string cmd = launcher + (launcher.empty() ? "'" : " '") + FISHTTS_CLI + "' " + args + " <'" + in.string() + "' >'" + out.string() +
                    "' 2>'" + err.string() + "'";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text_file(out);
  r.err = read_text_file(err);
  fs::remove_all(dir);
  return r;
}

inline CliResult run_cli(const std::string& args, const std::string& stdin_text = "") {
  return run_cli_as("", args, stdin_text);
}

}  // namespace fishtts::test
