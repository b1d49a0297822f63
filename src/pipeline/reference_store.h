// The reference-voice store shared by `fishtts references`, `fishtts say --reference-id` and the server's
// /v1/references/* routes (spec 6, 7). Upstream-compatible layout:
//
//   <root>/<id>/sample.wav                 the audio, re-encoded as 16-bit WAV 44.1 kHz mono whatever the upload
//                                          was (upstream stores the raw upload under that name; we store a wav)
//   <root>/<id>/sample.lab                 the transcript, UTF-8
//   <root>/<id>/sample.wav.codes-<key>.npy cached codec codes of sample.wav for the codec `key` (int64 [books, T])
//
// Folders made by upstream may hold several audio files (any depth, extensions of spec 6.2, case-sensitive),
// each with a same-stem .lab transcript. They are all loaded, in natural order of their path relative to the
// folder (natural_order.h), each as one prompt reference; an audio file without its .lab is skipped (upstream
// would use the path string as the transcript). Each clip has its own codes cache "<audio file name>.codes-
// <key>.npy" (the whole name: a.wav and a.flac share a.lab but not their codes).
//
// Concurrency: one std::shared_mutex per store object. list/load/codes take it shared (many readers at once;
// codes() writes its cache file with temporary-file + rename, so concurrent readers of the same id are safe and
// at worst encode twice); add/remove/rename take it exclusive, behind a gate that stops new readers while a
// writer waits (no writer starvation). An encode in progress therefore delays a delete of any id until it ends;
// decoding an added upload happens before the lock is taken. Processes sharing a folder (replicas on one volume,
// the CLI beside a server) also take an flock on "<root>/.lock" for every change (folder_lock.h), and every change
// is a single rename, so none of them ever sees a half-written reference.
//
// Crash safety: add() writes into "<root>/.tmp-..." and renames the finished folder into place; remove() renames
// the folder to "<root>/.trash-..." before deleting it. Names starting with '.' are never valid ids, so list()
// never shows those leftovers, and add() deletes the ones older than an hour.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "pipeline/folder_lock.h"
#include "text/prompt.h"

namespace fishtts::pipeline {

struct ReferenceStoreOptions {
  int sample_rate = 44100;         // the codec's rate: what load() returns and what sample.wav holds
  double max_audio_seconds = 60.0;  // longer reference audio is refused (kOutOfRange) on add and on load
};

// One audio file of a reference with its transcript.
struct ReferenceClip {
  std::filesystem::path audio_path;
  std::string text;
  std::vector<float> samples;  // mono at ReferenceStoreOptions::sample_rate
};

// Encodes mono samples at the codec rate to codes [num_codebooks, frames].
using EncodeFn = std::function<text::IntMatrix(std::span<const float>)>;

class ReferenceStore {
 public:
  // The folder need not exist; it is created by the first add().
  explicit ReferenceStore(std::filesystem::path root, ReferenceStoreOptions options = {});

  // $FISHTTS_REFERENCES_DIR, else default_cache_dir()/references.
  static std::filesystem::path default_root();

  const std::filesystem::path& root() const { return root_; }
  const ReferenceStoreOptions& options() const { return options_; }

  // Adds a reference from a whole audio file image (any format libsndfile reads) or from a file. Errors:
  // kInvalidArgument (bad id, empty or non-UTF-8 text), kAlreadyExists (the id's folder exists and is not empty),
  // kBadFormat (unreadable audio), kOutOfRange (audio longer than the limit), kIo. On error nothing is left.
  void add(const std::string& id, std::span<const std::uint8_t> audio, const std::string& text);
  void add_file(const std::string& id, const std::filesystem::path& audio_file, const std::string& text);

  // Sorted ids (byte order, as upstream's sorted()) of folders holding at least one audio file with a
  // same-stem .lab. An absent root gives an empty list.
  std::vector<std::string> list() const;
  bool contains(const std::string& id) const;

  // kNotFound when the id has no folder.
  void remove(const std::string& id);
  // kInvalidArgument for bad ids or old == new, kNotFound when old has no folder, kAlreadyExists when new has.
  void rename(const std::string& old_id, const std::string& new_id);

  // Every clip of the reference, decoded to mono at the store's rate. kNotFound when the id has no folder or
  // no audio file with a transcript; kBadFormat / kOutOfRange for a clip that cannot be used.
  std::vector<ReferenceClip> load(const std::string& id) const;

  // Text and codes of every clip, ready for text::build_prompt. Codes come from the clip's cache file
  // "<audio file name>.codes-<codec_key>.npy" when it exists and carries the audio file's modification time
  // (copied onto the cache file when it is written, so any change to the audio, newer or older, invalidates it);
  // otherwise encode(samples) runs and the result is stored there. codec_key: 1..64 of [A-Za-z0-9_-], derived by
  // the caller from the codec weights so another codec never reuses stale codes. An unreadable cache file is
  // re-encoded and overwritten; a cache that cannot be written (read-only folder) is skipped, the codes are still
  // returned.
  std::vector<text::PromptReference> codes(const std::string& id, const std::string& codec_key,
                                           const EncodeFn& encode) const;

 private:
  struct ClipFiles {
    std::filesystem::path audio;
    std::filesystem::path lab;
  };
  std::filesystem::path folder_of(const std::string& id) const;  // validates the id
  std::vector<ClipFiles> clip_files(const std::string& id) const;  // kNotFound when none
  void add_decoded(const std::string& id, std::span<const float> samples, const std::string& text);

  std::shared_lock<std::shared_mutex> read_lock() const;
  // This process's threads, then other processes on the same folder.
  struct WriteLock {
    std::unique_lock<std::shared_mutex> threads;
    FolderLock processes;
  };
  WriteLock write_lock();

  std::filesystem::path root_;
  ReferenceStoreOptions options_;
  mutable std::mutex gate_;  // taken briefly by readers and held by a writer while it waits: no writer starvation
  mutable std::shared_mutex mutex_;
};

}  // namespace fishtts::pipeline
