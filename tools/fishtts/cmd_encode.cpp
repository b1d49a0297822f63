// `fishtts encode --model DIR in.wav -o codes.npy`: upstream's codec encode stage (reference audio -> codes).
// Any audio libsndfile reads, mixed to mono and resampled to the codec's rate; writes int64 [codebooks, frames].
#include <chrono>
#include <cstdio>
#include <memory>

#include "audio/audio_io.h"
#include "codec/codec_model.h"
#include "commands.h"
#include "io/npy.h"
#include "model_args.h"
#include "progress.h"

namespace fishtts::cli {

void add_encode_command(CLI::App& app) {
  struct Options {
    ModelArgs model;
    std::filesystem::path input;
    std::filesystem::path output = "codes.npy";
    bool quiet = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("encode", "Audio file to codec codes (.npy int64 [codebooks, frames])");
  opt->model.add_to(cmd);
  cmd->add_option("input", opt->input, "Audio file (wav, flac, ogg, mp3, ...)")->required();
  cmd->add_option("-o,--output", opt->output, "Where to write the codes");
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->callback([opt] {
    Progress progress(opt->quiet);
    auto codec = codec::CodecModel::load(opt->model.resolve_bundle(progress), opt->model.settings());
    audio::DecodeOptions read;
    read.target_rate = static_cast<int>(codec->info().sample_rate);
    std::vector<float> samples = audio::read_audio_file(opt->input, read);
    auto start = std::chrono::steady_clock::now();
    text::IntMatrix codes = codec->encode(samples);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<int64_t> wide(codes.values.begin(), codes.values.end());
    io::write_npy(opt->output, io::make_npy({codes.rows, codes.cols}, std::span<const int64_t>(wide)));
    if (!opt->quiet) {
      const double audio_s = static_cast<double>(samples.size()) / static_cast<double>(read.target_rate);
      std::fprintf(stderr, "%.2f s of audio -> %zu frames in %.2f s (%.3f s per second of audio) -> %s\n", audio_s,
                   codes.cols, seconds, seconds / audio_s, opt->output.c_str());
    }
  });
}

}  // namespace fishtts::cli
