// One inference worker fed by a bounded queue: every model call of the server (synthesis, codec encode /
// decode) runs on this one thread, in arrival order, so requests never compete for the cores. submit() refuses
// (the caller answers 503) when max_waiting jobs are already waiting; the running job is not counted.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace fishtts::server {

struct InferenceJob {
  std::function<void()> run;      // must not throw (the worker catches and drops anything that escapes)
  std::function<void()> abandon;  // called instead of run when the queue shuts down first
  std::function<void()> cancel;   // asks a running job to stop early (shutdown after its grace period)
};

class InferenceQueue {
 public:
  explicit InferenceQueue(std::size_t max_waiting);
  ~InferenceQueue();  // abandons waiting jobs, finishes the running one, joins
  InferenceQueue(const InferenceQueue&) = delete;
  InferenceQueue& operator=(const InferenceQueue&) = delete;

  bool submit(InferenceJob job);
  // Refuses new jobs, abandons the waiting ones, lets the running one finish for up to `grace`, then cancels
  // it, and joins the worker.
  void shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds::max());

  std::size_t waiting() const;
  bool busy() const;
  std::size_t max_waiting() const { return max_waiting_; }

 private:
  void work();

  const std::size_t max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<InferenceJob> jobs_;
  bool busy_ = false;
  std::function<void()> cancel_running_;
  std::condition_variable idle_;
  bool stopping_ = false;
  std::mutex join_mutex_;  // shutdown() may race with the destructor
  std::thread worker_;
};

}  // namespace fishtts::server
