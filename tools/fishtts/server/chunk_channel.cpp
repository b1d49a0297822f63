#include "chunk_channel.h"

#include "pipeline/synthesis.h"

namespace fishtts::server {

bool ChunkChannel::push(std::vector<float> samples) {
  std::unique_lock lock(mutex_);
  space_.wait(lock, [&] { return cancelled_ || chunks_.size() < max_chunks_; });
  if (cancelled_) return false;
  chunks_.push_back(std::move(samples));
  ready_.notify_all();
  return true;
}

void ChunkChannel::finish(const pipeline::SynthesisMetrics& metrics) {
  std::lock_guard lock(mutex_);
  metrics_ = metrics;
  done_ = true;
  ready_.notify_all();
}

void ChunkChannel::fail(int status, std::string message) {
  std::lock_guard lock(mutex_);
  if (done_ || failed_) return;
  failed_ = true;
  status_ = status;
  message_ = std::move(message);
  ready_.notify_all();
}

void ChunkChannel::attach(pipeline::Synthesis* synthesis) {
  std::lock_guard lock(mutex_);
  synthesis_ = synthesis;
  if (cancelled_) synthesis_->cancel();
}

void ChunkChannel::detach() {
  std::lock_guard lock(mutex_);
  synthesis_ = nullptr;
}

ChunkChannel::Next ChunkChannel::pop(std::vector<float>& samples, const std::function<bool()>& gone) {
  std::unique_lock lock(mutex_);
  const auto has_news = [&] { return !chunks_.empty() || done_ || failed_; };
  while (!has_news()) {
    if (!gone) {
      ready_.wait(lock, has_news);
    } else if (!ready_.wait_for(lock, std::chrono::milliseconds(250), has_news) && gone()) {
      lock.unlock();
      cancel();
      fail(499, "the client closed the connection");
      return Next::kFailed;
    }
  }
  if (!chunks_.empty()) {
    samples = std::move(chunks_.front());
    chunks_.pop_front();
    space_.notify_one();
    return Next::kChunk;
  }
  return failed_ ? Next::kFailed : Next::kDone;
}

void ChunkChannel::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  space_.notify_all();
  if (synthesis_) synthesis_->cancel();
}

bool ChunkChannel::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

int ChunkChannel::error_status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string ChunkChannel::error_message() const {
  std::lock_guard lock(mutex_);
  return message_;
}

pipeline::SynthesisMetrics ChunkChannel::metrics() const {
  std::lock_guard lock(mutex_);
  return metrics_;
}

}  // namespace fishtts::server
