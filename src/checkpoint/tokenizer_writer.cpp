#include "checkpoint/tokenizer_writer.h"

#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "checkpoint/special_tokens.h"
#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

std::string base64(const std::string& bytes) {
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

// Calls `emit` with candidate tokens in rank order until it returns false.
template <typename Emit>
void synthetic_tokens(Emit emit) {
  for (int c = 0; c < 256; ++c) {
    if (!emit(std::string(1, static_cast<char>(c)))) return;
  }
  for (int a = 0x20; a < 0x7f; ++a) {
    for (int b = 0x20; b < 0x7f; ++b) {
      if (!emit(std::string{static_cast<char>(a), static_cast<char>(b)})) return;
    }
  }
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      if (!emit(std::string{static_cast<char>(a), static_cast<char>(b)})) return;
    }
  }
  for (int a = 0x20; a < 0x7f; ++a) {
    for (int b = 0x20; b < 0x7f; ++b) {
      for (int c = 0x20; c < 0x7f; ++c) {
        if (!emit(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)})) return;
      }
    }
  }
}

}  // namespace

void write_tiktoken_file(const std::string& path, int64_t ranks) {
  constexpr int64_t kMaxRanks = 256 + 65536 + 95 * 95 * 95;  // what synthetic_tokens can supply
  if (ranks < 256 || ranks > kMaxRanks) {
    throw Error(ErrorCode::kInvalidArgument, "tokenizer rank count " + std::to_string(ranks) + " must be in 256.." + std::to_string(kMaxRanks));
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorCode::kIo, "cannot create " + path);
  std::set<std::string> seen;
  int64_t rank = 0;
  synthetic_tokens([&](const std::string& token) {
    if (rank >= ranks) return false;
    if (!seen.insert(token).second) return true;  // printable pairs come again among all pairs
    out << base64(token) << ' ' << rank++ << '\n';
    return true;
  });
  if (!out) throw Error(ErrorCode::kIo, "write failed: " + path);
}

void write_special_tokens_file(const std::string& path, int64_t ranks, int64_t codebook_size) {
  nlohmann::ordered_json tokens = nlohmann::ordered_json::object();
  int64_t id = ranks;
  for (const std::string& t : control_tokens()) tokens[t] = id++;
  for (int64_t code = 0; code < codebook_size; ++code) tokens[semantic_token(code)] = id++;
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorCode::kIo, "cannot create " + path);
  out << tokens.dump(2);  // no trailing newline, like upstream's json.dump
  if (!out) throw Error(ErrorCode::kIo, "write failed: " + path);
}

}  // namespace fishtts::checkpoint
