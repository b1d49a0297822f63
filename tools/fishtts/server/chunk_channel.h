// Hands the audio of one synthesis from the inference worker to the HTTP thread that answers the request, and
// the client's disconnect back: cancel() stops the running Synthesis before its next model call.
#pragma once

#include <condition_variable>
#include <deque>
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

  // Worker side. push() returns false once the consumer cancelled.
  bool push(std::vector<float> samples);
  void finish(const pipeline::SynthesisMetrics& metrics);
  void fail(int status, std::string message);
  // While attached, cancel() forwards to the synthesis.
  void attach(pipeline::Synthesis* synthesis);
  void detach();

  // Consumer side: blocks until a chunk, the end or a failure.
  Next pop(std::vector<float>& samples);
  void cancel();
  bool cancelled() const;

  int error_status() const;
  std::string error_message() const;
  pipeline::SynthesisMetrics metrics() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::vector<float>> chunks_;
  bool done_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  int status_ = 0;
  std::string message_;
  pipeline::SynthesisMetrics metrics_;
  pipeline::Synthesis* synthesis_ = nullptr;
};

}  // namespace fishtts::server
