#include "server_metrics.h"

#include <sstream>

namespace fishtts::server {

void ServerMetrics::count_request(const std::string& route, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
}

void ServerMetrics::record_synthesis(const pipeline::SynthesisMetrics& m) {
  std::lock_guard lock(mutex_);
  ++syntheses_;
  audio_seconds_total_ += m.audio_seconds;
  processing_seconds_total_ += m.total_ms / 1000.0;
  last_rtf_ = m.rtf();
  last_ttfa_seconds_ = m.time_to_first_audio_ms / 1000.0;
  ttfa_seconds_total_ += last_ttfa_seconds_;
  rtf_sum_ += last_rtf_;
  for (std::size_t i = 0; i < kRtfBuckets.size(); ++i) {
    if (last_rtf_ <= kRtfBuckets[i]) ++rtf_buckets_[i];
  }
  if (m.reused_prefix_positions > 0) ++prefix_cache_hits_;
}

void ServerMetrics::count_cancelled() {
  std::lock_guard lock(mutex_);
  ++cancelled_;
}

void ServerMetrics::count_reference_cache_hit() {
  std::lock_guard lock(mutex_);
  ++reference_cache_hits_;
}

std::string ServerMetrics::render(std::size_t queue_waiting, bool busy, std::size_t queue_limit, bool ready) const {
  std::lock_guard lock(mutex_);
  std::ostringstream o;
  auto header = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  header("fishtts_http_requests_total", "counter", "HTTP requests answered, by route and status.");
  std::map<std::string, std::uint64_t> errors;
  for (const auto& [key, count] : requests_) {
    o << "fishtts_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << count << '\n';
    if (key.second >= 400) errors[key.first] += count;
  }
  header("fishtts_http_errors_total", "counter", "HTTP requests answered with a status >= 400, by route.");
  for (const auto& [route, count] : errors) o << "fishtts_http_errors_total{route=\"" << route << "\"} " << count << '\n';
  header("fishtts_queue_waiting", "gauge", "Inference jobs waiting for the worker.");
  o << "fishtts_queue_waiting " << queue_waiting << '\n';
  header("fishtts_queue_limit", "gauge", "Waiting jobs above which requests get 503.");
  o << "fishtts_queue_limit " << queue_limit << '\n';
  header("fishtts_ready", "gauge", "1 while /v1/ready answers 200 (not draining, queue not full).");
  o << "fishtts_ready " << (ready ? 1 : 0) << '\n';
  header("fishtts_worker_busy", "gauge", "1 while the inference worker runs a job.");
  o << "fishtts_worker_busy " << (busy ? 1 : 0) << '\n';
  header("fishtts_syntheses_total", "counter", "Syntheses completed.");
  o << "fishtts_syntheses_total " << syntheses_ << '\n';
  header("fishtts_syntheses_cancelled_total", "counter", "Syntheses stopped because the client went away.");
  o << "fishtts_syntheses_cancelled_total " << cancelled_ << '\n';
  header("fishtts_reference_cache_hits_total", "counter", "Inline references whose codes came from the memory cache.");
  o << "fishtts_reference_cache_hits_total " << reference_cache_hits_ << '\n';
  header("fishtts_audio_seconds_total", "counter", "Seconds of audio synthesized.");
  o << "fishtts_audio_seconds_total " << audio_seconds_total_ << '\n';
  header("fishtts_rtf_last", "gauge", "Real-time factor (processing / audio seconds) of the last synthesis.");
  o << "fishtts_rtf_last " << last_rtf_ << '\n';
  header("fishtts_rtf_average", "gauge", "Real-time factor over all syntheses (total processing / total audio).");
  o << "fishtts_rtf_average " << (audio_seconds_total_ > 0 ? processing_seconds_total_ / audio_seconds_total_ : 0.0) << '\n';
  header("fishtts_synthesis_rtf", "histogram", "Real-time factor of each synthesis (processing / audio seconds).");
  for (std::size_t i = 0; i < kRtfBuckets.size(); ++i) {
    o << "fishtts_synthesis_rtf_bucket{le=\"" << kRtfBuckets[i] << "\"} " << rtf_buckets_[i] << '\n';
  }
  o << "fishtts_synthesis_rtf_bucket{le=\"+Inf\"} " << syntheses_ << '\n';
  o << "fishtts_synthesis_rtf_sum " << rtf_sum_ << "\nfishtts_synthesis_rtf_count " << syntheses_ << '\n';
  header("fishtts_prefix_cache_hits_total", "counter",
         "Syntheses whose prompt prefix (a stored voice's) came from the KV cache; hit ratio = this / syntheses_total.");
  o << "fishtts_prefix_cache_hits_total " << prefix_cache_hits_ << '\n';
  header("fishtts_time_to_first_audio_seconds_last", "gauge", "Time to first audio of the last synthesis.");
  o << "fishtts_time_to_first_audio_seconds_last " << last_ttfa_seconds_ << '\n';
  header("fishtts_time_to_first_audio_seconds_average", "gauge", "Mean time to first audio.");
  o << "fishtts_time_to_first_audio_seconds_average " << (syntheses_ > 0 ? ttfa_seconds_total_ / syntheses_ : 0.0) << '\n';
  return o.str();
}

}  // namespace fishtts::server
