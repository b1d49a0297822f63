#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace fishtts::cli {

Progress::Progress(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}

void Progress::line(const std::string& text) {
  if (quiet_) return;
  finish();
  std::fprintf(stderr, "%s\n", text.c_str());
}

void Progress::frames(int done, int budget, double audio_seconds, int chunks_done, int chunks) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double speed = elapsed > 0 ? audio_seconds / elapsed : 0;
  char counts[128];
  if (chunks > 1) {
    std::snprintf(counts, sizeof counts, "chunk %d/%d, %d frames", std::min(chunks_done + 1, chunks), chunks, done);
  } else {
    std::snprintf(counts, sizeof counts, "%d frames", done);
  }
  if (tty_) {
    constexpr int kWidth = 24;
    const int filled = chunks > 1 ? std::min(kWidth, chunks_done * kWidth / chunks)
                       : budget > 0 ? std::min(kWidth, done * kWidth / budget)
                                    : 0;
    std::fprintf(stderr, "\r[%.*s%*s] %s, %.1f s of audio, %.2fx real time ", filled, "########################",
                 kWidth - filled, "", counts, audio_seconds, speed);
    drawing_ = true;
  } else if (now - last_line_ >= std::chrono::seconds(5)) {
    std::fprintf(stderr, "%s, %.1f s of audio, %.2fx real time\n", counts, audio_seconds, speed);
    last_line_ = now;
  }
}

void Progress::finish() {
  if (drawing_) std::fprintf(stderr, "\n");
  drawing_ = false;
}

}  // namespace fishtts::cli
