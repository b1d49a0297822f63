// `fishtts say "text" -o out.wav`: the whole engine. Text (argument, --text-file, or "-" for stdin) and optional
// reference voices (--reference voice.wav --reference-text "...", repeatable) -> audio; with --stream the audio
// is written chunk by chunk as it is generated.
#include <cstdio>
#include <fstream>
#include <memory>

#include "audio/audio_io.h"
#include "audio/audio_stream_writer.h"
#include "audio/stream_encoder.h"
#include "audio/time_stretch.h"
#include "commands.h"
#include "common/error.h"
#include "model_args.h"
#include "pipeline/stored_reference.h"
#include "pipeline/synthesis.h"
#include "text/text_splitter.h"
#include "progress.h"
#include "prompt_args.h"
#include "sampling_args.h"

namespace fishtts::cli {
namespace {

struct SayOptions {
  ModelArgs model;
  SamplingArgs sampling;
  std::string text;
  std::filesystem::path text_file;
  std::vector<std::filesystem::path> reference_audio;
  std::vector<std::string> reference_text;
  std::string reference_id;
  std::filesystem::path references_dir;
  std::filesystem::path output = "out.wav";
  std::string format;
  bool stream = false;
  double speed = 1.0;
  int sample_rate = 0;
  std::size_t chunk_length = text::kDefaultChunkLength;
  bool no_chunking = false;
  std::filesystem::path metrics_json;
  bool quiet = false;
};

std::string read_text(const SayOptions& opt) {
  if (!opt.text_file.empty()) return read_file(opt.text_file, "--text-file");
  if (opt.text == "-") return read_file("-", "stdin");
  if (opt.text.empty()) throw Error(ErrorCode::kInvalidArgument, "no text: give it as an argument, --text-file, or - for stdin");
  return opt.text;
}

void run(const SayOptions& opt) {
  Progress progress(opt.quiet);
  const std::string text = read_text(opt);
  if (opt.reference_audio.size() != opt.reference_text.size()) {
    throw Error(ErrorCode::kInvalidArgument, "--reference given " + std::to_string(opt.reference_audio.size()) +
                                                 " times but --reference-text " +
                                                 std::to_string(opt.reference_text.size()) + " times; give them in pairs");
  }
  // stdout has no extension: raw s16le unless --format says otherwise.
  const audio::AudioFormat format = !opt.format.empty() ? audio::parse_audio_format(opt.format)
                                    : opt.output == "-"  ? audio::AudioFormat::kPcm
                                                         : audio::audio_format_for_path(opt.output);

  auto engine = pipeline::Engine::create(opt.model.engine_params(), [&](const std::string& l) { progress.line(l); });
  const pipeline::EngineLoadInfo& load = engine->load_info();
  for (const std::string& w : load.warnings) progress.line("warning: " + w);
  char line[256];
  std::snprintf(line, sizeof line, "model loaded in %.1f s (%s weights, %d threads)", load.load_seconds,
                load.precision.c_str(), load.settings.intra_op_threads);
  progress.line(line);

  pipeline::SynthesisRequest request;
  request.text = text;
  request.generation = opt.sampling.resolve();
  request.chunk_length = opt.no_chunking ? 0 : opt.chunk_length;
  audio::DecodeOptions read;
  read.target_rate = engine->sample_rate();
  for (std::size_t i = 0; i < opt.reference_audio.size(); ++i) {
    request.references.push_back({opt.reference_text[i], {}, audio::read_audio_file(opt.reference_audio[i], read)});
  }
  if (!opt.reference_id.empty()) {
    // A stored voice comes first, then any --reference given alongside it.
    pipeline::ReferenceStoreOptions store_options;
    store_options.sample_rate = engine->sample_rate();
    pipeline::ReferenceStore store(
        opt.references_dir.empty() ? pipeline::ReferenceStore::default_root() : opt.references_dir, store_options);
    std::vector<pipeline::ReferenceInput> stored = pipeline::stored_reference(*engine, store, opt.reference_id);
    request.references.insert(request.references.begin(), stored.begin(), stored.end());
  }
  // 16-frame codec calls measured fastest (bench-codec: rtf 0.78 vs 0.85 at 64), so whole and streamed use it.

  pipeline::Synthesis synthesis(engine, std::move(request));
  const int budget = opt.sampling.params.max_new_tokens;
  audio::EncoderOptions encoding;
  encoding.input_rate = engine->sample_rate();
  encoding.output_rate = opt.sample_rate;
  encoding.validate(format);  // before the synthesis, not after it
  std::unique_ptr<audio::AudioStreamWriter> writer;
  audio::TimeStretcher stretcher(engine->sample_rate(), opt.speed);
  std::vector<float> whole;
  pipeline::AudioChunk chunk;
  while (synthesis.next(chunk)) {
    if (opt.stream) {
      if (!writer) writer = std::make_unique<audio::AudioStreamWriter>(opt.output, format, encoding);
      writer->write(stretcher.process(chunk.samples));
    } else {
      whole.insert(whole.end(), chunk.samples.begin(), chunk.samples.end());
    }
    const pipeline::SynthesisMetrics& m = synthesis.metrics();
    const int chunks_done = chunk.is_last ? m.text_chunks : chunk.text_chunk;
    progress.frames(m.frames, budget, m.audio_seconds, chunks_done, m.text_chunks);
  }
  progress.finish();
  if (writer) {
    writer->write(stretcher.flush());
    writer->close();
  } else {
    whole = audio::time_stretch(whole, engine->sample_rate(), opt.speed);
    if (opt.output == "-") {
      audio::AudioStreamWriter out(opt.output, format, encoding);
      out.write(whole);
      out.close();  // errors reported, not swallowed by the destructor
    } else {
      audio::write_audio_file(opt.output, whole, format, encoding);
    }
  }

  const pipeline::SynthesisMetrics& m = synthesis.metrics();
  progress.line(m.summary() + (opt.output == "-" ? "" : " -> " + opt.output.string()));
  if (!opt.metrics_json.empty()) {
    nlohmann::json j = m.to_json();
    j["model"] = {{"bundle", load.bundle_dir}, {"demo", load.demo_model}, {"precision", load.precision},
                  {"converted", load.converted}, {"convert_seconds", load.convert_seconds},
                  {"load_seconds", load.load_seconds}, {"threads", load.settings.intra_op_threads}};
    j["streaming"] = opt.stream;
    std::ofstream out(opt.metrics_json);
    out << j.dump(2) << "\n";
    if (!out.flush()) throw Error(ErrorCode::kIo, opt.metrics_json.string() + ": write failed");
  }
}

}  // namespace

void add_say_command(CLI::App& app) {
  auto opt = std::make_shared<SayOptions>();
  CLI::App* cmd = app.add_subcommand("say", "Speak a text: text (+ reference voices) to audio");
  cmd->add_option("text", opt->text, "Text to speak (- reads stdin)");
  cmd->add_option("--text-file", opt->text_file, "Read the text from a file");
  cmd->add_option("-o,--output", opt->output,
                  "Audio file to write (.wav, .flac, .mp3, .opus/.ogg, .aac, .pcm; - = stdout, raw s16le unless --format)");
  cmd->add_option("--format", opt->format, "Output format instead of the extension's: wav, wav-float, flac, mp3, opus, aac, pcm")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            try {
              audio::parse_audio_format(name);
              return {};
            } catch (const Error& e) {
              return e.what();
            }
          },
          "FORMAT"));
  cmd->add_option("--reference", opt->reference_audio, "Reference voice audio (repeatable, paired with --reference-text)")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--reference-text", opt->reference_text, "Transcript of the reference voice (repeatable)")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--reference-id", opt->reference_id, "A stored voice (see `fishtts references`)");
  cmd->add_option("--references-dir", opt->references_dir,
                  "Where stored voices live (default: $FISHTTS_REFERENCES_DIR, else <cache>/references)");
  cmd->add_flag("--stream", opt->stream, "Write the audio chunk by chunk while it is generated");
  cmd->add_option("--speed", opt->speed, "Speak faster or slower, keeping the pitch (time-stretch, SoundTouch)")
      ->check(CLI::Range(audio::kMinSpeed, audio::kMaxSpeed))
      ->capture_default_str();
  cmd->add_option("--sample-rate", opt->sample_rate,
                  "Output rate in Hz, converted with soxr (0: the codec's 44100; opus: 48000; e.g. 24000 for "
                  "OpenAI-style pcm)")
      ->check(CLI::Range(0, 384000))
      ->capture_default_str();
  cmd->add_option("--chunk-length", opt->chunk_length,
                  "Long text: generate it in chunks of at most this many characters, each with the previous one "
                  "as context (max-new-tokens and seed apply per chunk)")
      ->check(CLI::Range(text::kMinChunkLength, text::kMaxChunkLength))
      ->capture_default_str();
  cmd->add_flag("--no-chunking", opt->no_chunking,
                "Generate the whole text in one pass, as S1 does (its 6144-token prompt limit applies)");
  cmd->add_option("--metrics-json", opt->metrics_json, "Write this request's metrics as JSON");
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress or summary on stderr");
  opt->model.add_to(cmd, /*required=*/false);
  opt->sampling.add_to(cmd);
  cmd->callback([opt] { run(*opt); });
}

}  // namespace fishtts::cli
