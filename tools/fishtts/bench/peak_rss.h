// Peak resident memory of one workload: Linux lets a process reset its high-water mark (VmHWM) by writing 5 to
// /proc/self/clear_refs, so each workload reports its own peak instead of the process's lifetime maximum.
#pragma once

#include <cstdint>

namespace fishtts::cli::bench {

// Returns false where the reset is not available (the peak then covers the process so far).
bool reset_peak_rss();
// VmHWM since the last reset, in bytes (0 when /proc/self/status cannot be read).
int64_t peak_rss_bytes_since_reset();

}  // namespace fishtts::cli::bench
