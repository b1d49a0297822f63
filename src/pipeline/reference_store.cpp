#include "pipeline/reference_store.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <set>

#include "audio/audio_io.h"
#include "common/error.h"
#include "common/paths.h"
#include "io/npy.h"
#include "pipeline/natural_order.h"
#include "pipeline/reference_id.h"
#include "text/pretokenizer.h"

namespace fishtts::pipeline {
namespace {

namespace fs = std::filesystem;

// Upstream's AUDIO_EXTENSIONS (spec 6.2), compared case-sensitively as upstream's rglob does.
const std::set<std::string>& audio_extensions() {
  static const std::set<std::string> kExtensions = {".mp3", ".wav",  ".flac", ".ogg", ".m4a",
                                                    ".wma", ".aac",  ".aiff", ".aif", ".aifc"};
  return kExtensions;
}

bool is_valid_codec_key(const std::string& key) {
  if (key.empty() || key.size() > 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// A name no other writer (thread or process) uses at the same time; the leading '.' keeps it out of list().
fs::path scratch_name(const fs::path& root, const char* kind) {
  static std::atomic<unsigned> counter{0};
  return root / ("." + std::string(kind) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

// Leftovers of writers that crashed between creating a scratch folder and renaming or deleting it. An hour
// old is far older than any add or remove takes, so a live writer's folder is never touched.
void remove_stale_scratch(const fs::path& root) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (fs::directory_iterator it(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(".tmp-", 0) != 0 && name.rfind(".trash-", 0) != 0) continue;
    std::error_code entry_ec;
    const auto time = it->last_write_time(entry_ec);
    if (!entry_ec && time < cutoff) fs::remove_all(it->path(), entry_ec);
  }
}

// An existing empty folder (upstream's loader creates one for every unknown id it is asked for) is free to use.
bool occupied(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return false;
  return !(fs::is_directory(folder, ec) && fs::is_empty(folder, ec));
}

void check_utf8(const std::string& text) {
  // The tokenizer's own check, so whatever the store accepts the prompt builder accepts too.
  static const text::PreTokenizer pre;
  text::PreTokenizer::Scratch scratch(pre);
  try {
    pre.check_utf8(text, scratch);
  } catch (const Error& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string("reference transcript: ") + e.what());
  }
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path.string() + ": cannot open transcript");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::kIo, path.string() + ": read error");
  return text;
}

void write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::kIo, path.string() + ": cannot create file");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw Error(ErrorCode::kIo, path.string() + ": write failed (disk full?)");
}

fs::path codes_cache_path(const fs::path& audio, const std::string& codec_key) {
  return audio.parent_path() / (audio.filename().string() + ".codes-" + codec_key + ".npy");
}

// The cached codes, or nothing when the file is missing, stamped with another audio time, or unreadable.
std::optional<text::IntMatrix> read_cached_codes(const fs::path& cache, const fs::path& audio) {
  std::error_code ec;
  const auto cache_time = fs::last_write_time(cache, ec);
  if (ec) return std::nullopt;
  const auto audio_time = fs::last_write_time(audio, ec);
  if (ec || audio_time != cache_time) return std::nullopt;
  try {
    const io::NpyArray array = io::read_npy(cache);
    if (array.shape.size() != 2 || array.shape[0] == 0 || array.shape[1] == 0) return std::nullopt;
    text::IntMatrix codes;
    codes.rows = array.shape[0];
    codes.cols = array.shape[1];
    codes.values = io::npy_to_int32(array, cache.string());
    return codes;
  } catch (const Error&) {
    return std::nullopt;  // truncated or foreign file: encode again and overwrite it
  }
}

// The cache file gets the audio file's modification time as a stamp: any later change of the audio (newer,
// or an older file copied over it with its time preserved, or a clock that jumped) makes them differ.
void write_cached_codes(const fs::path& cache, const fs::path& audio, fs::file_time_type audio_time,
                        const text::IntMatrix& codes) {
  std::vector<int64_t> wide(codes.values.begin(), codes.values.end());
  fs::path tmp = scratch_name(cache.parent_path(), "codes");
  try {
    io::write_npy(tmp, io::make_npy({codes.rows, codes.cols}, std::span<const int64_t>(wide)));
    std::error_code ec;
    fs::last_write_time(tmp, audio_time, ec);
    if (ec) throw Error(ErrorCode::kIo, tmp.string() + ": cannot stamp the codes of " + audio.string());
    fs::rename(tmp, cache);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace

ReferenceStore::ReferenceStore(fs::path root, ReferenceStoreOptions options)
    : root_(std::move(root)), options_(options) {
  if (root_.empty()) throw Error(ErrorCode::kInvalidArgument, "reference store: the root folder path is empty");
  if (options_.sample_rate <= 0 || !(options_.max_audio_seconds > 0.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "reference store: sample_rate and max_audio_seconds must be positive, got " +
                    std::to_string(options_.sample_rate) + " Hz and " + std::to_string(options_.max_audio_seconds) +
                    " s");
  }
}

fs::path ReferenceStore::default_root() {
  const char* dir = std::getenv("FISHTTS_REFERENCES_DIR");
  if (dir && *dir) return dir;
  return default_cache_dir() / "references";
}

std::shared_lock<std::shared_mutex> ReferenceStore::read_lock() const {
  std::lock_guard gate(gate_);
  return std::shared_lock(mutex_);
}

ReferenceStore::WriteLock ReferenceStore::write_lock() {
  // Holding the gate while readers drain keeps new readers out, so a busy server cannot starve a writer
  // (glibc's rwlock, behind std::shared_mutex, prefers readers).
  std::unique_lock<std::shared_mutex> threads = [this] {
    std::lock_guard gate(gate_);
    return std::unique_lock(mutex_);
  }();
  return WriteLock{std::move(threads), FolderLock(root_)};
}

fs::path ReferenceStore::folder_of(const std::string& id) const {
  validate_reference_id(id);
  return root_ / id;
}

void ReferenceStore::add(const std::string& id, std::span<const std::uint8_t> audio, const std::string& text) {
  validate_reference_id(id);
  audio::DecodeOptions decode{.target_rate = options_.sample_rate, .max_seconds = options_.max_audio_seconds};
  const std::vector<float> samples = audio::decode_audio(audio, decode, "reference \"" + id + "\" audio");
  add_decoded(id, samples, text);
}

void ReferenceStore::add_file(const std::string& id, const fs::path& audio_file, const std::string& text) {
  validate_reference_id(id);
  audio::DecodeOptions decode{.target_rate = options_.sample_rate, .max_seconds = options_.max_audio_seconds};
  const std::vector<float> samples = audio::read_audio_file(audio_file, decode);
  add_decoded(id, samples, text);
}

void ReferenceStore::add_decoded(const std::string& id, std::span<const float> samples, const std::string& text) {
  if (text.empty()) throw Error(ErrorCode::kInvalidArgument, "reference \"" + id + "\": the transcript is empty");
  check_utf8(text);
  auto lock = write_lock();
  const fs::path folder = root_ / id;
  if (occupied(folder)) {
    // No folder in the message: the server passes it to clients, who have no business knowing the server's paths.
    throw Error(ErrorCode::kAlreadyExists, "reference \"" + id + "\" already exists");
  }
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw Error(ErrorCode::kIo, root_.string() + ": cannot create the references folder: " + ec.message());
  remove_stale_scratch(root_);
  const fs::path tmp = scratch_name(root_, "tmp");
  try {
    if (!fs::create_directory(tmp, ec) || ec) {
      throw Error(ErrorCode::kIo, tmp.string() + ": cannot create a temporary folder: " + ec.message());
    }
    audio::write_audio_file(tmp / "sample.wav", samples, options_.sample_rate, audio::AudioFormat::kWav);
    write_text_file(tmp / "sample.lab", text);
    fs::rename(tmp, folder, ec);
    if (ec) throw Error(ErrorCode::kIo, folder.string() + ": cannot move the new reference into place: " + ec.message());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

std::vector<ReferenceStore::ClipFiles> ReferenceStore::clip_files(const std::string& id) const {
  const fs::path folder = folder_of(id);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw Error(ErrorCode::kNotFound, "reference \"" + id + "\" not found among the stored references");
  }
  std::vector<ClipFiles> clips;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code entry_ec;  // a broken link or a missing .lab only skips that entry
    if (!it->is_regular_file(entry_ec) || !audio_extensions().count(path.extension().string())) continue;
    fs::path lab = path;
    lab.replace_extension(".lab");
    if (fs::is_regular_file(lab, entry_ec)) clips.push_back({path, lab});
  }
  if (ec) throw Error(ErrorCode::kIo, folder.string() + ": cannot list the reference folder: " + ec.message());
  if (clips.empty()) {
    throw Error(ErrorCode::kNotFound, "reference \"" + id + "\" (" + folder.string() +
                                          ") holds no audio file with a same-name .lab transcript");
  }
  std::sort(clips.begin(), clips.end(), [&](const ClipFiles& a, const ClipFiles& b) {
    return natural_less(a.audio.lexically_relative(folder).string(), b.audio.lexically_relative(folder).string());
  });
  return clips;
}

std::vector<std::string> ReferenceStore::list() const {
  auto lock = read_lock();
  std::vector<std::string> ids;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return ids;
  for (fs::directory_iterator it(root_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code entry_ec;
    if (!is_valid_reference_id(name) || !it->is_directory(entry_ec)) continue;
    try {
      clip_files(name);
      ids.push_back(name);
    } catch (const Error&) {
      // no usable clip: upstream's list leaves such folders out too
    }
  }
  if (ec) throw Error(ErrorCode::kIo, root_.string() + ": cannot list the references folder: " + ec.message());
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool ReferenceStore::contains(const std::string& id) const {
  if (!is_valid_reference_id(id)) return false;
  auto lock = read_lock();
  try {
    clip_files(id);
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
}

void ReferenceStore::remove(const std::string& id) {
  const fs::path folder = folder_of(id);
  auto lock = write_lock();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw Error(ErrorCode::kNotFound, "reference \"" + id + "\" not found among the stored references");
  }
  // Out of sight in one step, then deleted: a crash half way leaves only a dot-folder that list() ignores.
  const fs::path trash = scratch_name(root_, "trash");
  fs::rename(folder, trash, ec);
  if (ec) throw Error(ErrorCode::kIo, folder.string() + ": cannot remove the reference: " + ec.message());
  fs::remove_all(trash, ec);
  if (ec) throw Error(ErrorCode::kIo, trash.string() + ": cannot delete the removed reference: " + ec.message());
}

void ReferenceStore::rename(const std::string& old_id, const std::string& new_id) {
  const fs::path from = folder_of(old_id);
  const fs::path to = folder_of(new_id);
  if (old_id == new_id) {
    throw Error(ErrorCode::kInvalidArgument, "rename reference \"" + old_id + "\": the new id is the same");
  }
  auto lock = write_lock();
  std::error_code ec;
  if (!fs::is_directory(from, ec)) {
    throw Error(ErrorCode::kNotFound, "reference \"" + old_id + "\" not found among the stored references");
  }
  if (occupied(to)) {
    throw Error(ErrorCode::kAlreadyExists, "cannot rename reference \"" + old_id + "\" to \"" + new_id +
                                               "\": \"" + new_id + "\" already exists");
  }
  fs::rename(from, to, ec);
  if (ec) {
    throw Error(ErrorCode::kIo, "cannot rename " + from.string() + " to " + to.string() + ": " + ec.message());
  }
}

std::vector<ReferenceClip> ReferenceStore::load(const std::string& id) const {
  auto lock = read_lock();
  audio::DecodeOptions decode{.target_rate = options_.sample_rate, .max_seconds = options_.max_audio_seconds};
  std::vector<ReferenceClip> clips;
  for (const ClipFiles& files : clip_files(id)) {
    clips.push_back({files.audio, read_text_file(files.lab), audio::read_audio_file(files.audio, decode)});
  }
  return clips;
}

std::vector<text::PromptReference> ReferenceStore::codes(const std::string& id, const std::string& codec_key,
                                                         const EncodeFn& encode) const {
  if (!is_valid_codec_key(codec_key)) {
    throw Error(ErrorCode::kInvalidArgument, "codec key \"" + codec_key.substr(0, 64) +
                                                 "\" must be 1 to 64 characters of letters, digits, '-' and '_'");
  }
  if (!encode) throw Error(ErrorCode::kInvalidArgument, "reference codes: no encode function given");
  auto lock = read_lock();
  audio::DecodeOptions decode{.target_rate = options_.sample_rate, .max_seconds = options_.max_audio_seconds};
  std::vector<text::PromptReference> references;
  for (const ClipFiles& files : clip_files(id)) {
    text::PromptReference ref;
    ref.text = read_text_file(files.lab);
    const fs::path cache = codes_cache_path(files.audio, codec_key);
    if (auto cached = read_cached_codes(cache, files.audio)) {
      ref.codes = std::move(*cached);
    } else {
      // Taken before reading, so audio replaced while we encode leaves a stamp that no longer matches.
      std::error_code ec;
      const fs::file_time_type audio_time = fs::last_write_time(files.audio, ec);
      const std::vector<float> samples = audio::read_audio_file(files.audio, decode);
      ref.codes = encode(samples);
      if (ref.codes.rows == 0 || ref.codes.cols == 0 || ref.codes.values.size() != ref.codes.rows * ref.codes.cols) {
        throw Error(ErrorCode::kInternal, "reference \"" + id + "\": the encoder returned codes of shape [" +
                                              std::to_string(ref.codes.rows) + ", " + std::to_string(ref.codes.cols) +
                                              "] with " + std::to_string(ref.codes.values.size()) + " values");
      }
      try {
        if (!ec) write_cached_codes(cache, files.audio, audio_time, ref.codes);
      } catch (const Error&) {
        // A folder we cannot write to (read-only mount) still serves its references; they are just not cached.
      }
    }
    references.push_back(std::move(ref));
  }
  return references;
}

}  // namespace fishtts::pipeline
