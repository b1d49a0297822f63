#include "convert/bundle.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/error.h"

namespace fs = std::filesystem;

namespace fishtts::convert {
namespace {

constexpr const char* kManifest = "manifest.json";

nlohmann::json file_entries(const fs::path& dir) {
  nlohmann::json files = nlohmann::json::array();
  std::vector<fs::path> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != kManifest) names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  for (const fs::path& n : names) {
    files.push_back({{"name", n.string()},
                     {"size", fs::file_size(dir / n)},
                     {"sha256", sha256_file((dir / n).string())}});
  }
  return files;
}

std::string hex(const unsigned char* bytes, unsigned int len) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace

nlohmann::json BundleOptions::to_json() const {
  nlohmann::json j = {{"format", kBundleFormatVersion},
                      {"llm_converter_version", kLlmConverterVersion},
                      {"codec_converter_version", kCodecConverterVersion},
                      {"precision", hw::precision_name(llm.graph.weights.precision)},
                      {"block_size", llm.graph.weights.block_size},
                      {"accuracy_level", llm.graph.weights.accuracy_level},
                      {"sample_space", sample_space_name(llm.graph.sample_space)}};
  // Absent for the default codec (fp32, fused Snake): the codec converter version above already tells its bundles
  // apart, and the key of a default bundle stays short.
  if (codec.precision != CodecPrecision::kFp32 || !codec.graph.fused_snake) j["codec"] = codec.to_json();
  return j;
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, path + ": cannot open");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
  return hex(md.data(), len);
}

std::string sha256_hex(const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return hex(md.data(), len);
}

void write_bundle(const std::string& checkpoint_dir, const std::string& out_dir, const BundleOptions& options,
                  const std::string& fingerprint, const ProgressFn& progress) {
  if (fs::exists(out_dir)) throw Error(ErrorCode::kInvalidArgument, out_dir + ": already exists; choose a new folder");
  const fs::path partial = out_dir + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial);
  try {
    if (progress) progress("converting the transformer");
    convert_llm(checkpoint_dir, partial.string(), options.llm);
    if (progress) progress("converting the codec");
    convert_codec(checkpoint_dir, partial.string(), options.codec);
    if (progress) progress("hashing the bundle");
    nlohmann::json manifest = options.to_json();
    manifest["source"] = {{"checkpoint", fs::absolute(checkpoint_dir).string()}, {"fingerprint", fingerprint}};
    manifest["files"] = file_entries(partial);
    {
      std::ofstream out(partial / kManifest);
      out << manifest.dump(2) << "\n";
      if (!out.flush()) throw Error(ErrorCode::kIo, (partial / kManifest).string() + ": write failed");
    }
    fs::rename(partial, out_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(partial, ec);
    throw;
  }
}

bool has_manifest(const std::string& dir) { return fs::exists(fs::path(dir) / kManifest); }

nlohmann::json read_manifest(const std::string& dir) {
  const fs::path p = fs::path(dir) / kManifest;
  std::ifstream in(p);
  if (!in) throw Error(ErrorCode::kNotFound, p.string() + ": no manifest (not a bundle, or an unfinished one)");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, p.string() + ": " + e.what());
  }
}

std::string verify_bundle(const std::string& dir, bool check_hashes) {
  nlohmann::json m;
  try {
    m = read_manifest(dir);
    if (m.value("format", 0) != kBundleFormatVersion) return "bundle format " + std::to_string(m.value("format", 0));
    if (m.value("llm_converter_version", 0) != kLlmConverterVersion ||
        m.value("codec_converter_version", 0) != kCodecConverterVersion) {
      return "made by another converter version";
    }
    for (const auto& f : m.at("files")) {
      const fs::path p = fs::path(dir) / f.at("name").get<std::string>();
      if (!fs::exists(p)) return p.filename().string() + " is missing";
      if (fs::file_size(p) != f.at("size").get<std::uintmax_t>()) {
        return p.filename().string() + " has " + std::to_string(fs::file_size(p)) + " bytes, the manifest says " +
               std::to_string(f.at("size").get<std::uintmax_t>());
      }
      if (check_hashes && sha256_file(p.string()) != f.at("sha256").get<std::string>()) {
        return p.filename().string() + " does not match its sha256";
      }
    }
  } catch (const Error& e) {
    return e.what();
  } catch (const nlohmann::json::exception& e) {
    return std::string("manifest: ") + e.what();
  }
  return "";
}

}  // namespace fishtts::convert
