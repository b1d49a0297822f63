#include "inference_queue.h"

namespace fishtts::server {

InferenceQueue::InferenceQueue(std::size_t max_waiting) : max_waiting_(max_waiting), worker_([this] { work(); }) {}

InferenceQueue::~InferenceQueue() { shutdown(); }

bool InferenceQueue::submit(InferenceJob job) {
  std::lock_guard lock(mutex_);
  if (stopping_ || jobs_.size() >= max_waiting_) return false;
  jobs_.push_back(std::move(job));
  wake_.notify_one();
  return true;
}

void InferenceQueue::shutdown(std::chrono::milliseconds grace) {
  std::deque<InferenceJob> abandoned;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    abandoned.swap(jobs_);
    wake_.notify_all();
  }
  for (InferenceJob& job : abandoned) {
    if (job.abandon) job.abandon();
  }
  if (grace != std::chrono::milliseconds::max()) {
    std::unique_lock lock(mutex_);
    if (!idle_.wait_for(lock, grace, [&] { return !busy_; }) && cancel_running_) {
      const std::function<void()> cancel = cancel_running_;
      lock.unlock();
      cancel();
    }
  }
  std::lock_guard join_lock(join_mutex_);
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

std::size_t InferenceQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

bool InferenceQueue::busy() const {
  std::lock_guard lock(mutex_);
  return busy_;
}

void InferenceQueue::work() {
  for (;;) {
    InferenceJob job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      cancel_running_ = job.cancel;
    }
    try {
      job.run();
    } catch (...) {
      // Jobs report their own failures; nothing may take the worker down.
    }
    std::lock_guard lock(mutex_);
    busy_ = false;
    cancel_running_ = nullptr;
    idle_.notify_all();
  }
}

}  // namespace fishtts::server
