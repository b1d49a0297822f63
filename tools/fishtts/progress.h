// Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise, nothing when quiet.
#pragma once

#include <chrono>
#include <string>

namespace fishtts::cli {

class Progress {
 public:
  explicit Progress(bool quiet);
  // Stage messages ("converting the codec...") as lines.
  void line(const std::string& text);
  // Synthesis: frames so far out of at most `budget`, seconds of audio, elapsed seconds. Long text: the bar
  // counts text chunks instead (`chunks_done` of `chunks`) when there is more than one.
  void frames(int done, int budget, double audio_seconds, int chunks_done = 0, int chunks = 1);
  // Ends a bar line (call before printing anything else).
  void finish();

 private:
  bool quiet_;
  bool tty_;
  bool drawing_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_line_ = start_;
};

}  // namespace fishtts::cli
