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
  constexpr auto kGoneInterval = std::chrono::milliseconds(250);
  std::unique_lock lock(mutex_);
  const auto has_news = [&] { return !chunks_.empty() || done_ || failed_; };
  // Asked at most every 250 ms, whether audio keeps coming or not (a whole-file answer pops without pause).
  const auto client_left = [&] {
    if (!gone) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_gone_check_ < kGoneInterval) return false;
    last_gone_check_ = now;
    return gone();
  };
  for (;;) {
    if (client_left()) {
      lock.unlock();
      cancel();
      fail(499, "the client closed the connection");
      return Next::kFailed;
    }
    if (has_news()) break;
    if (!gone) {
      ready_.wait(lock, has_news);
    } else {
      ready_.wait_for(lock, kGoneInterval, has_news);
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
