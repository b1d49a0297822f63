// Hostile checkpoint input: broken zips, pickles that name dangerous globals or unknown opcodes, absurd
// shapes and storage sizes, bad JSON. Each must be a fishtts::Error with a message naming the problem —
// no crash, no huge allocation (the fuzz targets cover the space in between).
#include <gtest/gtest.h>
#include <zip.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "checkpoint/llm_config.h"
#include "checkpoint/torch_archive.h"
#include "checkpoint/unpickler.h"
#include "checkpoint/weights.h"
#include "checkpoint/zip_archive.h"
#include "common/error.h"
#include "support/cli_runner.h"

namespace fs = std::filesystem;
using namespace fishtts::checkpoint;
using fishtts::ErrorCode;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes read_bytes(const fs::path& p) {
  std::string s = fishtts::test::read_text_file(p);
  return Bytes(s.begin(), s.end());
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("fishtts-test-hostile-" + std::to_string(::getpid()) + "-" + name);
}

// A zip of stored entries, written with minizip.
Bytes make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  const fs::path path = temp_path("zip");
  zipFile zf = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  for (const auto& [name, data] : entries) {
    zip_fileinfo info{};
    zipOpenNewFileInZip64(zf, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, 0, 0, 0);
    zipWriteInFileInZip(zf, data.data(), static_cast<unsigned>(data.size()));
    zipCloseFileInZip(zf);
  }
  zipClose(zf, nullptr);
  Bytes out = read_bytes(path);
  fs::remove(path);
  return out;
}

// Pickle pieces (protocol 2), to write hostile state dicts by hand.
std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string global(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string str(const std::string& s) { return "X" + le(s.size(), 4) + s; }
std::string integer(int64_t v) { return "\x8a\x08" + le(static_cast<uint64_t>(v), 8); }
std::string ints(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (int64_t x : v) s += integer(x);
  return s + "t";
}
// {"w": _rebuild_tensor_v2(storage('0', numel), offset, shape, stride, False, OrderedDict())}
std::string tensor_pickle(const std::vector<int64_t>& shape, const std::vector<int64_t>& stride, int64_t numel,
                          int64_t offset = 0, const std::string& storage = "FloatStorage") {
  return std::string("\x80\x02") + global("collections", "OrderedDict") + ")R(" + str("w") +
         global("torch._utils", "_rebuild_tensor_v2") + "((" + str("storage") + global("torch", storage) + str("0") +
         str("cpu") + integer(numel) + "tQ" + integer(offset) + ints(shape) + ints(stride) + "\x89" +
         global("collections", "OrderedDict") + ")RtRu.";
}

Bytes checkpoint_zip(const std::string& pickle, const std::string& record) {
  return make_zip({{"archive/data.pkl", pickle}, {"archive/data/0", record}, {"archive/version", "3\n"}});
}

struct Failure {
  ErrorCode code;
  std::string message;
};

template <typename F>
Failure failure_of(F&& f) {
  try {
    f();
  } catch (const fishtts::Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "no fishtts::Error thrown";
  return {ErrorCode::kInternal, ""};
}

Failure load_failure(const Bytes& bytes, bool verify = false) {
  return failure_of([&] { load_torch_bytes(bytes, nullptr, "hostile.pth", {.verify_crc = verify}); });
}

Failure unpickle_failure(const std::string& pickle) {
  return failure_of([&] {
    Unpickler u;
    u.load({reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size()}, "hostile.pkl");
  });
}

#define EXPECT_MENTIONS(failure, text) EXPECT_NE((failure).message.find(text), std::string::npos) << (failure).message

// Offsets of the central directory records of a zip (signature PK\1\2).
std::vector<size_t> central_records(const Bytes& zip) {
  std::vector<size_t> out;
  for (size_t i = 0; i + 4 <= zip.size(); ++i) {
    if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2) out.push_back(i);
  }
  return out;
}

void put32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

const std::string kFixture = FISHTTS_FIXTURE_DIR;

}  // namespace

TEST(HostileZip, TruncatedArchive) {
  const Bytes full = read_bytes(kFixture + "/model.pth");
  // (Cutting only into the classic end record leaves a readable zip64 directory, so cut 30 bytes at least.)
  for (size_t keep : {size_t{0}, size_t{10}, full.size() / 2, full.size() - 30}) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(keep));
    const Failure f = load_failure(cut);
    EXPECT_EQ(f.code, ErrorCode::kBadFormat) << keep;
    EXPECT_MENTIONS(f, "hostile.pth");
  }
}

TEST(HostileZip, WrongCrcOfPickleAndOfTensorRecords) {
  Bytes bytes = read_bytes(kFixture + "/model.pth");
  ZipArchive zip(bytes, "probe");
  const ZipEntry pickle = *zip.find("model/data.pkl");
  const ZipEntry record = *zip.find("model/data/3");
  Bytes bad_record = bytes;
  bad_record[record.data_offset + 5] ^= 0x40;
  EXPECT_NO_THROW(load_torch_bytes(bad_record, nullptr, "x", {}));  // records are only checked on request
  Failure f = load_failure(bad_record, /*verify=*/true);
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "model/data/3 fails its CRC-32");
  Bytes bad_pickle = bytes;
  bad_pickle[pickle.data_offset + 100] ^= 0x01;
  f = load_failure(bad_pickle);
  EXPECT_MENTIONS(f, "model/data.pkl fails its CRC-32");
}

TEST(HostileZip, WrongSizesAndEntriesOutsideTheFile) {
  const Bytes good = checkpoint_zip(tensor_pickle({2}, {1}, 2), std::string(8, '\0'));
  ASSERT_NO_THROW(load_torch_bytes(good, nullptr, "x", {}));
  const auto records = central_records(good);
  ASSERT_EQ(records.size(), 3u);
  // Central directory: +20 compressed size, +24 uncompressed size, +42 local header offset.
  Bytes sizes = good;
  put32(sizes, records[1] + 24, 9);
  Failure f = load_failure(sizes);
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "archive/data/0");
  Bytes huge = good;
  put32(huge, records[1] + 20, 0x7fffffff);
  put32(huge, records[1] + 24, 0x7fffffff);
  f = load_failure(huge);
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "archive/data/0");
  Bytes outside = good;
  put32(outside, records[1] + 42, 0x10000000);
  f = load_failure(outside);
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "archive/data/0");
  // A record smaller than its storage claims.
  f = load_failure(checkpoint_zip(tensor_pickle({2}, {1}, 2), std::string(4, '\0')));
  EXPECT_MENTIONS(f, "holds 4 bytes");
  // Compressed tensor records cannot be mapped.
  f = load_failure(make_zip({{"a/data.pkl", tensor_pickle({1}, {1}, 1)}}));
  EXPECT_MENTIONS(f, "a/data/0");
}

TEST(HostilePickle, DangerousAndUnknownGlobals) {
  Failure f = unpickle_failure("\x80\x02" + global("os", "system") + str("rm -rf /") + "\x85R.");
  EXPECT_EQ(f.code, ErrorCode::kUnsupported);
  EXPECT_MENTIONS(f, "os.system");
  f = unpickle_failure("\x80\x02" + global("builtins", "eval") + ".");
  EXPECT_MENTIONS(f, "builtins.eval");
  f = unpickle_failure(tensor_pickle({1}, {1}, 1, 0, "DoubleStorage"));
  EXPECT_MENTIONS(f, "torch.DoubleStorage");
  // Inside an archive the error still names the global.
  f = load_failure(checkpoint_zip("\x80\x02" + global("subprocess", "Popen") + ".", ""));
  EXPECT_EQ(f.code, ErrorCode::kUnsupported);
  EXPECT_MENTIONS(f, "subprocess.Popen");
}

TEST(HostilePickle, UnknownOpcodesAndBrokenStructure) {
  Failure f = unpickle_failure(std::string("\x80\x02") + str("os") + str("system") + "\x93.");  // STACK_GLOBAL
  EXPECT_EQ(f.code, ErrorCode::kUnsupported);
  EXPECT_MENTIONS(f, "opcode 0x93");
  f = unpickle_failure("\x80\x02i__builtin__\nobject\n.");  // INST
  EXPECT_MENTIONS(f, "opcode 0x69 ('i')");
  f = unpickle_failure("\x80\x05.");
  EXPECT_MENTIONS(f, "protocol 5");
  f = unpickle_failure("\x80\x02(");  // no STOP
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "truncated");
  f = unpickle_failure("\x80\x02R.");  // REDUCE on an empty stack
  EXPECT_MENTIONS(f, "stack underflow");
  f = unpickle_failure("\x80\x02h\x07.");
  EXPECT_MENTIONS(f, "memo key 7");
  f = unpickle_failure("\x80\x02X\xff\xff\xff\x7f.");  // a 2 GB string in a 7-byte pickle
  EXPECT_EQ(f.code, ErrorCode::kOutOfRange);
  f = unpickle_failure("\x80\x02" + std::string(100000, '(') + ".");
  EXPECT_EQ(f.code, ErrorCode::kOutOfRange);
  EXPECT_MENTIONS(f, "MARKs nested deeper");
  f = unpickle_failure("\x80\x02" + global("collections", "OrderedDict") + str("x") + "\x85R.");
  EXPECT_MENTIONS(f, "OrderedDict called with arguments");
}

TEST(HostilePickle, ObjectCountIsBounded) {
  UnpicklerLimits limits;
  limits.max_values = 100;
  Unpickler u(limits);
  const std::string pickle = "\x80\x02" + std::string(200, '}') + ".";
  const Failure f = failure_of([&] { u.load({reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size()}, "many.pkl"); });
  EXPECT_EQ(f.code, ErrorCode::kOutOfRange);
  EXPECT_MENTIONS(f, "more than 100 objects");
}

TEST(HostilePickle, AbsurdShapesAndStorageSizes) {
  const int64_t big = int64_t{1} << 40;
  Failure f = unpickle_failure(tensor_pickle({big, big}, {big, 1}, 4));
  EXPECT_EQ(f.code, ErrorCode::kOutOfRange);
  EXPECT_MENTIONS(f, "overflow");
  f = unpickle_failure(tensor_pickle({4, 4}, {4, 1}, 15));  // needs 16 elements
  EXPECT_EQ(f.code, ErrorCode::kOutOfRange);
  EXPECT_MENTIONS(f, "does not fit in storage 0 of 15 elements");
  f = unpickle_failure(tensor_pickle({2}, {1}, 4, /*offset=*/3));
  EXPECT_MENTIONS(f, "does not fit");
  f = unpickle_failure(tensor_pickle({-1}, {1}, 4));
  EXPECT_MENTIONS(f, "negative value -1");
  f = unpickle_failure(tensor_pickle({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, std::vector<int64_t>(17, 0), 1));
  EXPECT_MENTIONS(f, "17 dims");
  // A storage of 2^60 floats backed by an 8-byte record: rejected before anything is allocated or read.
  f = load_failure(checkpoint_zip(tensor_pickle({2}, {1}, int64_t{1} << 60), std::string(8, '\0')));
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "holds 8 bytes");
  // Views with zero elements may point anywhere and are fine; stride 0 views are fine too.
  EXPECT_NO_THROW(load_torch_bytes(checkpoint_zip(tensor_pickle({0, 5}, {5, 1}, 2, big), std::string(8, '\0')), nullptr, "x", {}));
  const auto store = load_torch_bytes(checkpoint_zip(tensor_pickle({3}, {0}, 2, 1), std::string("\0\0\0\0\0\0\x80\x3f", 8)), nullptr, "x", {});
  EXPECT_EQ(store.get("w").to_float(), (std::vector<float>{1, 1, 1}));
}

TEST(HostileJson, BadConfigFilesNameTheFileAndField) {
  const fs::path dir = temp_path("json");
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << "{\"dim\": 64,";
  Failure f = failure_of([&] { LlmConfig::from_file((dir / "config.json").string()); });
  EXPECT_EQ(f.code, ErrorCode::kBadFormat);
  EXPECT_MENTIONS(f, "config.json: not valid JSON");
  std::ofstream(dir / "config.json") << "[1, 2]";
  f = failure_of([&] { LlmConfig::from_file((dir / "config.json").string()); });
  EXPECT_MENTIONS(f, "expected a JSON object");
  std::ofstream(dir / "config.json") << R"({"n_layer": 2.5})";
  f = failure_of([&] { LlmConfig::from_file((dir / "config.json").string()); });
  EXPECT_MENTIONS(f, "field n_layer must be an integer");
  std::ofstream(dir / "config.json") << R"({"vocab_size": 1e30})";
  f = failure_of([&] { LlmConfig::from_file((dir / "config.json").string()); });
  EXPECT_MENTIONS(f, "vocab_size");
  std::ofstream(dir / "codec_config.json") << R"({"encoder_rates": [2, "4"]})";
  f = failure_of([&] { CodecConfig::for_checkpoint_dir(dir.string()); });
  EXPECT_MENTIONS(f, "field encoder_rates must be an array of integers");
  std::ofstream(dir / "codec_config.json") << R"({"encoder_rates": [2, 4], "encoder_transformer_layers": [0, 0], "decoder_dim": 1})";
  f = failure_of([&] { CodecConfig::for_checkpoint_dir(dir.string()); });
  EXPECT_EQ(f.code, ErrorCode::kInvalidArgument);
  EXPECT_MENTIONS(f, "decoder_dim");
  // A value nested a million levels deep is named by its type, not dumped (dumping recurses once per level).
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  std::ofstream(dir / "config.json", std::ios::trunc) << "{\"n_layer\": " << deep << "}";
  f = failure_of([&] { LlmConfig::from_file((dir / "config.json").string()); });
  EXPECT_MENTIONS(f, "field n_layer must be an integer, got array");
  EXPECT_LT(f.message.size(), 300u);
  std::ofstream(dir / "config.json", std::ios::trunc) << R"({"n_layer": "two"})";
  f = failure_of([&] { LlmConfig::from_file((dir / "config.json").string()); });
  EXPECT_MENTIONS(f, "got string \"two\"");  // a scalar is still shown
  // Safetensors with a hostile header length.
  std::ofstream(dir / "x.safetensors", std::ios::binary) << std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
  f = failure_of([&] { load_tensor_file((dir / "x.safetensors").string()); });
  EXPECT_MENTIONS(f, "header length");
  const std::string header = R"({"t": {"dtype": "F32", "data_offsets": [0, 0], "shape": [)" + deep + "]}}";
  std::ofstream(dir / "x.safetensors", std::ios::binary | std::ios::trunc)
      << le(header.size(), 8) << header;
  f = failure_of([&] { load_tensor_file((dir / "x.safetensors").string()); });
  EXPECT_MENTIONS(f, "shape must hold non-negative integers, got array");
  fs::remove_all(dir);
}
