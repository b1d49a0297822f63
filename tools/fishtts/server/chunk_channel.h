// Hands the audio of one synthesis from the inference worker to the HTTP thread that answers the request, and
// the client's disconnect back: cancel() stops the running Synthesis before its next model call. The channel
// holds at most max_chunks chunks: a slow reader makes the worker wait (bounded by the listener's write
// timeout, after which the answer is cancelled), so no reader can make the server buffer a whole synthesis.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/metrics.h"

namespace fishtts::pipeline {
class Synthesis;
}

namespace fishtts::server {

class ChunkChannel {
 public:
  enum class Next { kChunk, kDone, kFailed };

  explicit ChunkChannel(std::size_t max_chunks = 16) : max_chunks_(max_chunks) {}

  // Worker side. push() waits while the channel is full; it returns false once the consumer cancelled.
  bool push(std::vector<float> samples);
  void finish(const pipeline::SynthesisMetrics& metrics);
  void fail(int status, std::string message);
  // While attached, cancel() forwards to the synthesis.
  void attach(pipeline::Synthesis* synthesis);
  void detach();

  // Consumer side: blocks until a chunk, the end or a failure. `gone` is asked every 250 ms at most, waiting or
  // not: when it says the client left, the synthesis is cancelled and pop() answers kFailed (499).
  Next pop(std::vector<float>& samples, const std::function<bool()>& gone = {});
  void cancel();
  bool cancelled() const;

  int error_status() const;
  std::string error_message() const;
  pipeline::SynthesisMetrics metrics() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  const std::size_t max_chunks_;
  std::deque<std::vector<float>> chunks_;
  bool done_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  int status_ = 0;
  std::string message_;
  pipeline::SynthesisMetrics metrics_;
  pipeline::Synthesis* synthesis_ = nullptr;
  std::chrono::steady_clock::time_point last_gone_check_{};
};

}  // namespace fishtts::server
