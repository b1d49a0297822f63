// Thin RAII C++ wrapper over the C API (fishtts.h): handles freed by destructors, statuses turned into
// fishtts::capi::ApiError. Header-only; same thread-safety rules as the C API.
//
//   fishtts::capi::Engine engine(fishtts_engine_default_params());
//   fishtts_synthesis_params p = fishtts_synthesis_default_params();
//   p.text = "Hello.";
//   fishtts::capi::Synthesis s(engine, p);
//   std::span<const float> chunk;
//   while (s.next(chunk)) play(chunk, engine.sample_rate());
#pragma once

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "fishtts/fishtts.h"

namespace fishtts::capi {

class ApiError : public std::runtime_error {
 public:
  ApiError(fishtts_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  fishtts_status status() const { return status_; }

 private:
  fishtts_status status_;
};

inline void check(fishtts_status status) {
  if (status != FISHTTS_OK) throw ApiError(status, fishtts_last_error());
}

class Engine {
 public:
  explicit Engine(const fishtts_engine_params& params) {
    fishtts_engine* raw = nullptr;
    check(fishtts_engine_create(&params, &raw));
    handle_.reset(raw);
  }

  int sample_rate() const { return fishtts_engine_sample_rate(handle_.get()); }
  fishtts_engine_info info() const {
    fishtts_engine_info i{};
    check(fishtts_engine_get_info(handle_.get(), &i));
    return i;
  }
  fishtts_engine* get() const { return handle_.get(); }

 private:
  struct Free {
    void operator()(fishtts_engine* e) const { fishtts_engine_free(e); }
  };
  std::unique_ptr<fishtts_engine, Free> handle_;
};

class Synthesis {
 public:
  Synthesis(const Engine& engine, const fishtts_synthesis_params& params) {
    fishtts_synthesis* raw = nullptr;
    check(fishtts_synthesis_start(engine.get(), &params, &raw));
    handle_.reset(raw);
  }

  // The next chunk (valid until the next call); false once the last chunk has been returned.
  bool next(std::span<const float>& chunk) {
    if (finished_) return false;
    const float* samples = nullptr;
    size_t count = 0;
    int is_last = 0;
    check(fishtts_synthesis_next(handle_.get(), &samples, &count, &is_last));
    finished_ = is_last != 0;
    chunk = std::span<const float>(samples, count);
    return true;
  }

  // Every remaining chunk, concatenated.
  std::vector<float> read_all() {
    std::vector<float> all;
    std::span<const float> chunk;
    while (next(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
    return all;
  }

  // Any thread, while the synthesis object is alive.
  void cancel() { check(fishtts_synthesis_cancel(handle_.get())); }

  fishtts_metrics metrics() const {
    fishtts_metrics m{};
    check(fishtts_synthesis_metrics(handle_.get(), &m));
    return m;
  }

  fishtts_synthesis* get() const { return handle_.get(); }

 private:
  struct Free {
    void operator()(fishtts_synthesis* s) const { fishtts_synthesis_free(s); }
  };
  std::unique_ptr<fishtts_synthesis, Free> handle_;
  bool finished_ = false;
};

}  // namespace fishtts::capi
