#include "convert/bundle_cache.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>

#include "common/error.h"
#include "common/file_lock.h"

namespace fs = std::filesystem;

namespace fishtts::convert {
namespace {

constexpr const char* kStamp = "verified.json";
constexpr std::uintmax_t kHashWholeBelow = 16u << 20;  // configs and tokenizers are hashed whole

int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// (size, mtime) of every manifest file, as recorded after a full check.
nlohmann::json file_stamps(const fs::path& dir, const nlohmann::json& manifest) {
  nlohmann::json stamps = nlohmann::json::object();
  for (const auto& f : manifest.at("files")) {
    const fs::path p = dir / f.at("name").get<std::string>();
    if (!fs::exists(p)) return nullptr;
    stamps[f.at("name").get<std::string>()] = {fs::file_size(p), mtime_ns(p)};
  }
  return stamps;
}

void write_stamps(const fs::path& dir, const nlohmann::json& stamps) {
  std::ofstream out(dir / kStamp);
  out << stamps.dump() << "\n";
}

// A bundle this process has just written and hashed: record its stamps now, so that the first load (a replica
// on a read-only cache, say) does not hash every file again.
void stamp_fresh_bundle(const fs::path& dir) {
  try {
    const nlohmann::json now = file_stamps(dir, read_manifest(dir.string()));
    if (!now.is_null()) write_stamps(dir, now);
  } catch (const std::exception&) {
    // no stamp only means the first load hashes the files, as it always did
  }
}

fs::path lock_path(const fs::path& bundles, const std::string& key) { return bundles / (key + ".lock"); }

// Leftovers of conversions nobody is running any more (killed half way): a `<key>.partial-<pid>` folder is removed
// only when its key's lock can be taken. The pid in the name says nothing here: a replica in another container
// (same cache volume, other pid namespace) may be converting, and its flock is what shows it. `held_key` is the
// key whose lock the caller holds (a second open file of the same lock would not get it).
void remove_stale_partials(const fs::path& bundles, const std::string& held_key) {
  for (const auto& e : fs::directory_iterator(bundles)) {
    const std::string name = e.path().filename().string();
    const auto at = name.rfind(".partial-");
    if (at == std::string::npos || at == 0) continue;
    const std::string key = name.substr(0, at);
    std::optional<FileLock> lock;
    if (key != held_key) {
      try {
        lock = FileLock::try_lock(lock_path(bundles, key));
      } catch (const Error&) {
        continue;  // a lock this process may not open: whether it is held cannot be told, so keep the folder
      }
      if (!lock) continue;  // being converted
    }
    std::error_code ec;
    fs::remove_all(e.path(), ec);
  }
}

// The key's lock, held for the whole conversion; waits (and says so) while another process holds it. A cache this
// process cannot write (a replica's read-only mount) is an error saying what to do.
FileLock conversion_lock(const fs::path& bundles, const std::string& key, const ProgressFn& progress) {
  const fs::path file = lock_path(bundles, key);
  const auto unwritable = [&](const std::string& why) {
    return Error(ErrorCode::kIo, bundles.string() + ": no usable bundle of this checkpoint, and the cache cannot be "
                                 "written to convert one (" + why + "); a read-only cache needs `fishtts convert` first");
  };
  try {
    fs::create_directories(bundles);
    if (std::optional<FileLock> lock = FileLock::try_lock(file)) return std::move(*lock);
  } catch (const std::exception& e) {
    throw unwritable(e.what());
  }
  if (progress) progress("waiting for another process converting the same checkpoint (" + file.string() + ")");
  try {
    return FileLock(file);
  } catch (const Error& e) {
    throw unwritable(e.what());
  }
}

}  // namespace

std::string checkpoint_fingerprint(const std::string& checkpoint_dir) {
  std::string material;
  for (const char* name : {"config.json", "model.pth", "codec.pth", "tokenizer.tiktoken", "special_tokens.json",
                           "codec_config.json", "model.safetensors", "model.safetensors.index.json"}) {
    const fs::path p = fs::path(checkpoint_dir) / name;
    if (!fs::exists(p)) continue;
    const auto size = fs::file_size(p);
    material += std::string(name) + ":" + std::to_string(size) + ":";
    material += size < kHashWholeBelow ? sha256_file(p.string()) : std::to_string(mtime_ns(p));
    material += "\n";
  }
  if (material.empty()) {
    throw Error(ErrorCode::kNotFound, checkpoint_dir + ": no checkpoint files (config.json, model.pth, codec.pth, ...)");
  }
  return sha256_hex(material);
}

std::string bundle_cache_key(const std::string& fingerprint, const BundleOptions& options) {
  return sha256_hex(fingerprint + options.to_json().dump()).substr(0, 20);
}

std::string verify_bundle_cached(const std::string& dir) {
  nlohmann::json manifest;
  try {
    manifest = read_manifest(dir);
  } catch (const Error& e) {
    return e.what();
  }
  const fs::path stamp_path = fs::path(dir) / kStamp;
  std::string problem = verify_bundle(dir, /*check_hashes=*/false);
  if (!problem.empty()) return problem;
  nlohmann::json now;
  try {
    now = file_stamps(dir, manifest);
    std::ifstream in(stamp_path);
    if (in && nlohmann::json::parse(in) == now) return "";  // untouched since the last full check
  } catch (const std::exception&) {
    // an unreadable stamp only means hashing again
  }
  problem = verify_bundle(dir, /*check_hashes=*/true);
  if (problem.empty()) write_stamps(dir, now);
  return problem;
}

ResolvedBundle resolve_bundle(const std::string& model_path, const BundleOptions& options, const fs::path& cache_dir,
                              const ProgressFn& progress) {
  ResolvedBundle r;
  if (!fs::is_directory(model_path)) throw Error(ErrorCode::kNotFound, model_path + ": not a folder");
  if (has_manifest(model_path)) {
    if (std::string problem = verify_bundle_cached(model_path); !problem.empty()) {
      throw Error(ErrorCode::kBadFormat, model_path + ": broken bundle: " + problem +
                                             " (convert the checkpoint again with `fishtts convert`)");
    }
    r.dir = model_path;
    return r;
  }
  if (fs::exists(fs::path(model_path) / "llm.json") || fs::exists(fs::path(model_path) / "codec.json")) {
    throw Error(ErrorCode::kBadFormat, model_path + ": an unfinished bundle (no manifest.json); convert again");
  }

  const std::string fingerprint = checkpoint_fingerprint(model_path);
  const std::string key = bundle_cache_key(fingerprint, options);
  const fs::path bundles = cache_dir / "bundles";
  const fs::path dir = bundles / key;
  // A finished bundle is loaded without any lock, so replicas may mount the cache read-only.
  if (fs::exists(dir) && verify_bundle_cached(dir.string()).empty()) {
    r.dir = dir.string();
    return r;
  }
  // Converting (or replacing a broken bundle): one process per key at a time, across containers too. Whoever
  // waits here reuses the bundle the holder has just finished.
  const FileLock lock = conversion_lock(bundles, key, progress);
  remove_stale_partials(bundles, key);
  if (fs::exists(dir)) {
    const std::string problem = verify_bundle_cached(dir.string());
    if (problem.empty()) {
      r.dir = dir.string();
      return r;
    }
    r.warnings.push_back("cached bundle " + dir.string() + " is broken (" + problem + "); converting again");
    fs::remove_all(dir);
  }
  const auto start = std::chrono::steady_clock::now();
  write_bundle(model_path, dir.string(), options, fingerprint, progress);
  stamp_fresh_bundle(dir);
  r.dir = dir.string();
  r.converted = true;
  r.convert_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace fishtts::convert
