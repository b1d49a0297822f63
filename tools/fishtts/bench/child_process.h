// Re-running this same binary as a child (the thread sweep: ONNX Runtime's thread pool is fixed per process).
#pragma once

#include <string>
#include <vector>

namespace fishtts::cli::bench {

// Runs /proc/self/exe with `args` (argv[1..]), stdout and stderr shared, and returns its exit code (-1 when it
// died from a signal). Throws Error(kIo) when it cannot start.
int run_self(const std::vector<std::string>& args);

}  // namespace fishtts::cli::bench
