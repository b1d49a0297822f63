#include "audio/audio_stream_writer.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"

namespace fishtts::audio {
namespace {

EncoderOptions at_rate(int sample_rate) {
  EncoderOptions options;
  options.input_rate = sample_rate;
  return options;
}

}  // namespace

AudioStreamWriter::AudioStreamWriter(const std::filesystem::path& path, int sample_rate, AudioFormat format)
    : AudioStreamWriter(path, format, at_rate(sample_rate)) {}

AudioStreamWriter::AudioStreamWriter(const std::filesystem::path& path, AudioFormat format,
                                     const EncoderOptions& options)
    : path_(path), encoder_(make_stream_encoder(format, options)), to_stdout_(path == "-") {
  if (to_stdout_) {
    file_ = stdout;
    return;
  }
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw Error(ErrorCode::kIo, path.string() + ": cannot write (" + std::strerror(errno) + ")");
}

AudioStreamWriter::~AudioStreamWriter() {
  try {
    close();
  } catch (...) {
  }
  if (file_ && !to_stdout_) std::fclose(file_);
}

void AudioStreamWriter::put(const std::vector<std::uint8_t>& bytes) {
  if (bytes.empty()) return;
  // Flushed at once: whoever reads the file (or the pipe) hears the audio now, not at close.
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() || std::fflush(file_) != 0) {
    throw Error(ErrorCode::kIo, path_.string() + ": write failed (" + std::strerror(errno) + ")");
  }
}

void AudioStreamWriter::write(std::span<const float> samples) {
  if (!encoder_) throw Error(ErrorCode::kInternal, path_.string() + ": written after close");
  put(encoder_->write(samples));
}

void AudioStreamWriter::close() {
  if (!encoder_) return;
  std::unique_ptr<StreamEncoder> encoder = std::move(encoder_);
  put(encoder->finish());
  if (to_stdout_) return;  // a pipe cannot seek back: the stream plays without the header's totals
  for (const LateWrite& w : encoder->late_writes()) {
    if (std::fseek(file_, static_cast<long>(w.offset), SEEK_SET) != 0 ||
        std::fwrite(w.bytes.data(), 1, w.bytes.size(), file_) != w.bytes.size()) {
      throw Error(ErrorCode::kIo, path_.string() + ": fixing the header failed (" + std::strerror(errno) + ")");
    }
  }
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) throw Error(ErrorCode::kIo, path_.string() + ": closing failed");
}

}  // namespace fishtts::audio
