#include <fstream>
#include <iterator>

#include "audio/audio_io.h"
#include "audio/memory_sndfile.h"
#include "common/error.h"

namespace fishtts::audio {
namespace {

// Frames per read: bounded memory per step, and the duration limit is enforced as we go when the container
// does not state its length up front (e.g. some mp3 streams).
constexpr sf_count_t kChunkFrames = 1 << 16;

}  // namespace

std::vector<float> decode_audio(std::span<const std::uint8_t> bytes, const DecodeOptions& options,
                                const std::string& name) {
  if (bytes.empty()) throw Error(ErrorCode::kBadFormat, name + ": empty audio (0 bytes)");
  if (options.target_rate <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "target sample rate must be positive, got " +
                                                 std::to_string(options.target_rate));
  }
  detail::MemoryFile mem;
  mem.input = bytes;
  SF_INFO info{};
  detail::SndFile sf(sf_open_virtual(detail::memory_io(), SFM_READ, &info, &mem));
  if (!sf.get()) {
    throw Error(ErrorCode::kBadFormat, name + ": not a readable audio file (" + sf_strerror(nullptr) + ")");
  }
  if (info.channels <= 0 || info.samplerate <= 0) {
    throw Error(ErrorCode::kBadFormat, name + ": invalid header (" + std::to_string(info.channels) +
                                           " channels, " + std::to_string(info.samplerate) + " Hz)");
  }
  // A 16 KiB WAV may declare 1024 channels, which would cost 256 MiB of buffer below.
  if (info.channels > options.max_channels) {
    throw Error(ErrorCode::kOutOfRange, name + ": " + std::to_string(info.channels) +
                                            " channels, more than the limit of " + std::to_string(options.max_channels));
  }
  const double max_frames = options.max_seconds * info.samplerate;
  auto too_long = [&](double frames) {
    return Error(ErrorCode::kOutOfRange, name + ": audio is longer than the limit of " +
                                             std::to_string(options.max_seconds) + " s (" +
                                             std::to_string(frames / info.samplerate) + " s or more)");
  };
  if (info.frames > 0 && info.frames != SF_COUNT_MAX && static_cast<double>(info.frames) > max_frames) {
    throw too_long(static_cast<double>(info.frames));
  }

  std::vector<float> mono;
  std::vector<float> chunk(static_cast<std::size_t>(kChunkFrames * info.channels));
  for (;;) {
    sf_count_t got = sf_readf_float(sf.get(), chunk.data(), kChunkFrames);
    if (got <= 0) break;
    for (sf_count_t f = 0; f < got; ++f) {
      float sum = 0.0f;
      for (int c = 0; c < info.channels; ++c) sum += chunk[static_cast<std::size_t>(f * info.channels + c)];
      mono.push_back(sum / static_cast<float>(info.channels));
    }
    if (static_cast<double>(mono.size()) > max_frames) throw too_long(static_cast<double>(mono.size()));
  }
  if (sf_error(sf.get()) != SF_ERR_NO_ERROR) {
    throw Error(ErrorCode::kBadFormat, name + ": decoding failed (" + sf_strerror(sf.get()) + ")");
  }
  if (mono.empty()) throw Error(ErrorCode::kBadFormat, name + ": the audio has no samples");
  return info.samplerate == options.target_rate ? mono : resample(mono, info.samplerate, options.target_rate);
}

std::vector<float> read_audio_file(const std::filesystem::path& path, const DecodeOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, path.string() + ": cannot open audio file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::kIo, path.string() + ": read error");
  return decode_audio(bytes, options, path.string());
}

}  // namespace fishtts::audio
