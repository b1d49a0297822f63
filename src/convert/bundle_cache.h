// The bundle cache: the first run converts a checkpoint folder into <cache>/bundles/<key>/, later runs load it.
// The key is a fingerprint of the checkpoint files (names, sizes, modification times; full content of the small
// ones) plus the converter versions and options. A cached bundle that fails its check (missing or truncated file,
// wrong hash, other converter version) is rebuilt with a warning. Hashing a multi-GB bundle on every start would
// cost seconds, so a stamp records the (size, mtime) of each file at its last full hash check; files unchanged
// since are trusted, anything touched is hashed again.
// Several processes (replicas in other containers, on one shared cache volume) may resolve the same checkpoint at
// once: a conversion holds an flock on <cache>/bundles/<key>.lock from start to finish, so one process converts and
// the others wait and then load its bundle; a <key>.partial-<pid> folder is deleted as a leftover only when its
// key's lock is free. Loading a finished bundle takes no lock and needs no write access: the cache may be read-only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "convert/bundle.h"

namespace fishtts::convert {

struct ResolvedBundle {
  std::string dir;
  bool converted = false;       // this call ran the converter
  double convert_seconds = 0;
  std::vector<std::string> warnings;
};

std::string checkpoint_fingerprint(const std::string& checkpoint_dir);
std::string bundle_cache_key(const std::string& fingerprint, const BundleOptions& options);

// `model_path`: a bundle folder (checked, used as is; a broken one is an error naming the problem) or a checkpoint
// folder (looked up in / converted into `cache_dir`).
ResolvedBundle resolve_bundle(const std::string& model_path, const BundleOptions& options,
                              const std::filesystem::path& cache_dir, const ProgressFn& progress = {});

// Verifies a bundle, hashing only files changed since the last successful full check ("" = fine).
std::string verify_bundle_cached(const std::string& dir);

}  // namespace fishtts::convert
