// `fishtts decode --model DIR codes.npy -o out.wav`: upstream's codec decode stage (codes -> audio). Codes above
// a codebook's range are clamped as upstream does; negative codes are an error naming their position. The
// output format follows the file extension (.wav 16-bit, .flac, .mp3, .pcm) unless --format says otherwise.
#include <chrono>
#include <cstdio>
#include <memory>

#include "audio/audio_io.h"
#include "codec/codec_model.h"
#include "codec/streaming_decoder.h"
#include "commands.h"
#include "common/error.h"
#include "io/npy.h"
#include "model_args.h"
#include "progress.h"

namespace fishtts::cli {

void add_decode_command(CLI::App& app) {
  struct Options {
    ModelArgs model;
    std::filesystem::path input;
    std::filesystem::path output = "out.wav";
    std::string format;
    int stream_chunk = 0;
    bool quiet = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("decode", "Codec codes (.npy [codebooks, frames]) to audio");
  opt->model.add_to(cmd);
  cmd->add_option("input", opt->input, "Codes .npy (int32 or int64 [codebooks, frames], as `encode`/`generate` write)")
      ->required();
  cmd->add_option("-o,--output", opt->output, "Audio file to write");
  cmd->add_option("--format", opt->format, "wav, wav-float, flac, mp3 or pcm (default: from the extension)");
  cmd->add_option("--stream-chunk", opt->stream_chunk,
                  "Decode through the streaming decoder, this many frames per call (0 = whole-utterance decode)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->callback([opt] {
    const audio::AudioFormat format =
        opt->format.empty() ? audio::audio_format_for_path(opt->output) : audio::parse_audio_format(opt->format);
    io::NpyArray array = io::read_npy(opt->input);
    if (array.shape.size() != 2) {
      throw Error(ErrorCode::kInvalidArgument, opt->input.string() + ": expected a 2-D [codebooks, frames] array, got shape " +
                                                   io::shape_to_string(array.shape));
    }
    text::IntMatrix codes;
    codes.rows = array.shape[0];
    codes.cols = array.shape[1];
    codes.values = io::npy_to_int32(array, opt->input.string());
    if (codes.cols == 0) throw Error(ErrorCode::kInvalidArgument, opt->input.string() + ": no frames to decode");

    Progress progress(opt->quiet);
    auto codec = codec::CodecModel::load(opt->model.resolve_bundle(progress), opt->model.settings());
    auto start = std::chrono::steady_clock::now();
    std::vector<float> samples;
    if (opt->stream_chunk > 0) {
      auto stream = codec->new_stream(opt->stream_chunk);
      samples = stream->push(codes);
      std::vector<float> tail = stream->finish();
      samples.insert(samples.end(), tail.begin(), tail.end());
    } else {
      samples = codec->decode(codes);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int rate = static_cast<int>(codec->info().sample_rate);
    audio::write_audio_file(opt->output, samples, rate, format);
    if (!opt->quiet) {
      const double audio_s = static_cast<double>(samples.size()) / rate;
      std::fprintf(stderr, "%zu frames -> %.2f s of audio in %.2f s (%.3f s per second of audio) -> %s\n", codes.cols,
                   audio_s, seconds, seconds / audio_s, opt->output.c_str());
    }
  });
}

}  // namespace fishtts::cli
